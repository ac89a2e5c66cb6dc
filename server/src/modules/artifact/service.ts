import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isUuid } from '@runboard/contract/ids';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { checkJsonObject, checkName } from '../../core/validate.ts';
import type { Database } from '../../db/database.ts';

export const STORED_PREFIX = 'runboard-artifact:';
const SHA256 = /^[0-9a-f]{64}$/;

export interface RegisterArtifactInput {
  runId: string;
  name: string;
  kind?: string | null;
  uri: string;
  size: number;
  sha256: string;
  metadata?: unknown;
}

/**
 * Artifact records in PostgreSQL; file content on the server's disk (ARTIFACT_DIR/<id>), like MLflow's
 * default local artifact store. Uploads are streamed to a temp file, hashed on the way, then renamed.
 */
export class ArtifactService {
  constructor(
    private readonly db: Database,
    private readonly dir: string,
    /** Uploads larger than this are refused (ARTIFACT_MAX_BYTES). */
    readonly maxBytes: number = 1024 ** 3,
  ) {}

  filePath(id: string): string {
    return path.join(this.dir, id);
  }

  listForRuns(runIds: readonly string[]) {
    return this.db.prisma.artifact.findMany({ where: { runId: { in: [...runIds] } }, orderBy: { name: 'asc' } });
  }

  get(id: string) {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.prisma.artifact.findUnique({ where: { id } });
  }

  async register(input: RegisterArtifactInput) {
    const runId = assertId('Run', input.runId);
    if (!SHA256.test(input.sha256)) throw badInput('sha256', 'must be 64 lowercase hex characters');
    if (!Number.isSafeInteger(input.size) || input.size < 0) throw badInput('size', 'must be a non-negative integer');
    const data = {
      runId,
      name: checkName('name', input.name, 500),
      kind: checkName('kind', input.kind ?? 'file', 64),
      uri: checkName('uri', input.uri, 2000),
      size: BigInt(input.size),
      sha256: input.sha256,
      metadata: checkJsonObject('metadata', input.metadata ?? {}) as object,
    };
    return this.upsert(data);
  }

  /**
   * Stores an uploaded file and records it; replaces an earlier artifact of the same name. Everything
   * that can be checked is checked before the first byte is written; a body over maxBytes is cut off and
   * its partial file removed; a file whose row cannot be written is removed too.
   */
  async store(runIdRaw: string, name: string, kind: string, body: Readable, declaredBytes?: number) {
    const runId = assertId('Run', runIdRaw);
    const cleanName = checkName('name', name, 500);
    const cleanKind = checkName('kind', kind, 64);
    if (declaredBytes !== undefined && declaredBytes > this.maxBytes) throw this.tooLarge();
    const run = await this.db.prisma.run.findUnique({ where: { id: runId }, select: { id: true } });
    if (!run) throw notFound('Run', runIdRaw);
    await mkdir(this.dir, { recursive: true });
    const id = randomUUID();
    const tmp = path.join(this.dir, `.${id}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const limit = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        size += chunk.length;
        if (size > this.maxBytes) return done(this.tooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, limit, createWriteStream(tmp));
      await rename(tmp, this.filePath(id));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    try {
      return await this.upsert({
        id,
        runId,
        name: cleanName,
        kind: cleanKind,
        uri: `${STORED_PREFIX}${id}`,
        size: BigInt(size),
        sha256: hash.digest('hex'),
        metadata: {},
      });
    } catch (err) {
      await rm(this.filePath(id), { force: true });
      throw err;
    }
  }

  private tooLarge() {
    return userError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `Artifacts are limited to ${this.maxBytes} bytes (ARTIFACT_MAX_BYTES).`,
      {
        maxBytes: this.maxBytes,
      },
    );
  }

  async delete(id: string): Promise<string> {
    const artifactId = assertId('Artifact', id);
    const gone = await this.db.prisma.artifact.deleteMany({ where: { id: artifactId } });
    if (gone.count === 0) throw notFound('Artifact', id);
    await rm(this.filePath(artifactId), { force: true });
    return id;
  }

  private async upsert(data: {
    id?: string;
    runId: string;
    name: string;
    kind: string;
    uri: string;
    size: bigint;
    sha256: string;
    metadata: object;
  }) {
    try {
      return await this.db.prisma.$transaction(async (tx) => {
        const old = await tx.artifact.findUnique({ where: { runId_name: { runId: data.runId, name: data.name } } });
        if (old) await tx.artifact.delete({ where: { id: old.id } });
        const created = await tx.artifact.create({ data });
        if (old?.uri.startsWith(STORED_PREFIX)) await rm(this.filePath(old.id), { force: true });
        return created;
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2003') throw notFound('Run', data.runId);
      if ((err as { code?: string }).code === 'P2002')
        throw userError(ErrorCode.ALREADY_EXISTS, `Artifact ${data.name} was written concurrently; retry.`);
      throw err;
    }
  }
}
