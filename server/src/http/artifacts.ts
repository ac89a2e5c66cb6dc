import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { GraphQLError } from 'graphql';
import type { ArtifactService } from '../modules/artifact/service.ts';
import { sendJson } from './util.ts';

/**
 * PUT /artifacts/<runId>/<name...>?kind=model  uploads a file (streamed to disk, hashed on the way).
 * GET /artifacts/<artifactId>                   downloads a stored file.
 * Errors use the same codes as GraphQL.
 */
export async function handleArtifactRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  artifacts: ArtifactService,
) {
  let parts: string[];
  try {
    parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  } catch {
    // decodeURIComponent throws URIError on a broken escape such as %E0%A4%A
    return sendJson(res, 400, {
      error: { code: 'BAD_USER_INPUT', message: 'The path is not valid percent-encoded UTF-8.' },
    });
  }
  try {
    if (req.method === 'PUT' && parts.length >= 2) {
      const artifact = await artifacts.store(
        parts[0]!,
        parts.slice(1).join('/'),
        url.searchParams.get('kind') ?? 'file',
        req,
        declaredLength(req),
      );
      return sendJson(res, 201, {
        ...artifact,
        size: Number(artifact.size),
        downloadPath: `/artifacts/${artifact.id}`,
      });
    }
    if (req.method === 'GET' && parts.length === 1) {
      const artifact = await artifacts.get(parts[0]!);
      const file = artifact?.uri.startsWith('runboard-artifact:')
        ? await openStored(artifacts.filePath(artifact.id))
        : null;
      if (!artifact || !file) {
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No stored artifact ${parts[0]}` } });
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(artifact.size),
        'content-disposition': contentDisposition(artifact.name.split('/').pop()!),
        etag: `"${artifact.sha256}"`,
      });
      return await pipeline(file.createReadStream(), res);
    }
    return sendJson(res, 405, {
      error: { code: 'BAD_USER_INPUT', message: 'Use PUT /artifacts/<runId>/<name> or GET /artifacts/<id>' },
    });
  } catch (err) {
    if (err instanceof GraphQLError) {
      const code = String(err.extensions.code);
      const status = code === 'NOT_FOUND' ? 404 : code === 'PAYLOAD_TOO_LARGE' ? 413 : 400;
      // Refused before the body was read: close rather than drain what may be gigabytes.
      if (status === 413 || !req.complete) res.setHeader('connection', 'close');
      return sendJson(res, status, { error: { code, message: err.message } });
    }
    throw err;
  }
}

/**
 * A stored file, opened without following a link: the store only ever writes regular files named by id, so a link
 * (or anything else) in their place was put there by someone else and could point anywhere on the host. The check
 * is on the opened descriptor (O_NOFOLLOW, then fstat), not on the name, so nothing can be swapped in between.
 */
async function openStored(file: string) {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (handle && (await handle.stat()).isFile()) return handle;
  await handle?.close();
  return null;
}

function declaredLength(req: IncomingMessage): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * RFC 6266 with RFC 5987: an ASCII fallback in `filename` (Node refuses header values beyond Latin-1,
 * which made non-Latin-1 names a 500) and the real UTF-8 name in `filename*`.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
