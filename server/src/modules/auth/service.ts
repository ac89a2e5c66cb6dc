import type pg from 'pg';
import { badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type KeyNotice, topics } from '../../pubsub/topics.ts';
import { generateKey, hashKey, keyPrefix, sameHash } from './keys.ts';
import {
  ANONYMOUS_PRINCIPAL,
  expandScopes,
  OPEN_PRINCIPAL,
  type Principal,
  SCOPES,
  type Scope,
  type Target,
} from './scopes.ts';
import { type ApiKeyRow, ApiKeyStore } from './store.ts';

/**
 * A key seen within this long is not looked up again. Changes clear it at once on every server (watch()); the
 * time bounds only a change missed while the LISTEN connection was down (the resync clears the cache, too).
 */
const CACHE_MS = 5_000;
/** last_used_at is written at most this often per key: a busy trainer must not cost a write per request. */
const TOUCH_EVERY_MS = 60_000;

/** A key changed (keyId), or possibly any key (null, after missed notices); ended: it no longer works. */
export interface KeyChange {
  keyId: string | null;
  ended: boolean;
}

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  experiments?: string[] | null;
}

/**
 * API keys: creation (the key is returned once, only its hash is kept), revocation, and turning a presented key
 * into a Principal. RUNBOARD_ADMIN_KEY (or its alias RUNBOARD_API_KEY) is an ADMIN key that lives only in the
 * environment. Auth is required as soon as that is set or any key exists.
 */
export class AuthService {
  readonly store: ApiKeyStore;
  private readonly bootstrapHash: string | null;
  private required: boolean;
  private readonly cache = new Map<string, { row: ApiKeyRow | null; at: number }>();
  private readonly touched = new Map<string, number>();
  private readonly changeHandlers = new Set<(change: KeyChange) => void>();

  private constructor(
    pool: pg.Pool,
    bootstrapKey: string | undefined,
    private readonly log: (m: string) => void,
  ) {
    this.store = new ApiKeyStore(pool);
    this.bootstrapHash = bootstrapKey ? hashKey(bootstrapKey) : null;
    this.required = Boolean(bootstrapKey);
  }

  static async start(pool: pg.Pool, bootstrapKey: string | undefined, log: (m: string) => void = () => {}) {
    const service = new AuthService(pool, bootstrapKey, log);
    if (!service.required) service.required = (await service.store.countActive()) > 0;
    return service;
  }

  /**
   * Follows key changes published by PostgreSQL (a trigger on api_keys NOTIFYs inside the changing transaction):
   * the cached row is dropped and every onChange handler hears of it, on every server. After the LISTEN connection
   * was lost, notices may have been missed: the cache is cleared and handlers are asked to check every key.
   */
  watch(listener: PgListener): () => void {
    const stopKeys = listener.subscribe(topics.keys, (n: KeyNotice) => {
      this.cache.delete(n.prefix);
      this.emit({ keyId: n.keyId, ended: n.ended });
    });
    const stopResync = listener.onResync(() => {
      this.cache.clear();
      this.emit({ keyId: null, ended: false });
    });
    return () => {
      stopKeys();
      stopResync();
    };
  }

  /** Called for each change of a key (keyId null: any key may have changed; check again). */
  onChange(handler: (change: KeyChange) => void): () => void {
    this.changeHandlers.add(handler);
    return () => this.changeHandlers.delete(handler);
  }

  /** Whether `p` still holds exactly: same key, not revoked, same scopes and experiments (read afresh). */
  async stillHolds(p: Principal): Promise<boolean> {
    if (!p.keyId) return true;
    const row = await this.store.byId(p.keyId);
    if (!row || row.revokedAt) return false;
    const now = this.principalOf(row);
    return (
      [...now.scopes].sort().join() === [...p.scopes].sort().join() &&
      (now.experiments ?? []).join('\n') === (p.experiments ?? []).join('\n')
    );
  }

  private emit(change: KeyChange) {
    for (const h of this.changeHandlers) {
      try {
        h(change);
      } catch (e) {
        this.log(`key change handler failed: ${(e as Error).message}`);
      }
    }
  }

  get authRequired(): boolean {
    return this.required;
  }

  /** null: a key was given but is not valid (unknown, revoked or malformed): the caller answers UNAUTHENTICATED. */
  async authenticate(presented: string | undefined): Promise<Principal | null> {
    if (!this.required) return OPEN_PRINCIPAL;
    if (!presented) return ANONYMOUS_PRINCIPAL;
    const hash = hashKey(presented);
    if (this.bootstrapHash && sameHash(hash, this.bootstrapHash)) {
      return {
        authRequired: true,
        keyId: null,
        keyName: 'RUNBOARD_ADMIN_KEY',
        scopes: expandScopes(['ADMIN']),
        experiments: null,
      };
    }
    const prefix = keyPrefix(presented);
    if (!prefix) return null;
    const row = await this.lookup(prefix);
    if (!row || row.revokedAt || !sameHash(hash, row.hash)) return null;
    this.touch(row.id);
    return this.principalOf(row);
  }

  private principalOf(row: ApiKeyRow): Principal {
    return {
      authRequired: true,
      keyId: row.id,
      keyName: row.name,
      scopes: expandScopes(row.scopes),
      experiments: row.experiments.length ? row.experiments : null,
    };
  }

  async create(input: CreateApiKeyInput): Promise<{ key: string; apiKey: ApiKeyRow }> {
    const name = input.name.trim();
    // Control characters (NUL above all, which PostgreSQL refuses) have no place in a label.
    if (!name || name.length > 100 || hasControlCharacter(name)) {
      throw badInput('name', 'give 1 to 100 characters, no control characters.');
    }
    const scopes = [...new Set(input.scopes)];
    if (!scopes.length) throw badInput('scopes', `give at least one of ${SCOPES.join(', ')}.`);
    const bad = scopes.filter((s) => !SCOPES.includes(s));
    if (bad.length) throw badInput('scopes', `unknown ${bad.join(', ')}; use ${SCOPES.join(', ')}.`);
    const experiments = [...new Set((input.experiments ?? []).map((e) => e.trim()))];
    if (experiments.some((e) => !e || e.length > 200 || hasControlCharacter(e)) || experiments.length > 1000) {
      throw badInput('experiments', 'give up to 1000 experiment ids or names of 1 to 200 characters.');
    }
    const { key, prefix, hash } = generateKey();
    const apiKey = await this.store.insert({ name, prefix, hash, scopes, experiments });
    this.required = true;
    this.log(`API key created: ${name} (${prefix}) scopes ${scopes.join(',')}`);
    return { key, apiKey };
  }

  async revoke(id: string): Promise<ApiKeyRow> {
    const row = await this.store.revoke(id);
    if (!row) throw notFound('API key', id);
    this.cache.delete(row.prefix);
    this.log(`API key revoked: ${row.name} (${row.prefix})`);
    return row;
  }

  list(includeRevoked = false): Promise<ApiKeyRow[]> {
    return this.store.list(includeRevoked);
  }

  /** Refuses (FORBIDDEN) unless every target belongs to an experiment the key is limited to. */
  async assertExperiments(p: Principal, field: string, list: Target[]): Promise<void> {
    const allowed = p.experiments;
    if (!allowed) return;
    if (!list.length) throw forbiddenExperiment(field, 'name the experiment (an id, a name, or runs of it)');
    const byKind = {
      experimentIds: [] as string[],
      runIds: [] as string[],
      sweepIds: [] as string[],
      artifactIds: [] as string[],
    };
    for (const t of list) {
      if ('experimentName' in t) {
        if (!allowed.includes(t.experimentName)) throw forbiddenExperiment(field, `not "${t.experimentName}"`);
        continue;
      }
      const [kind, id] =
        'experimentId' in t
          ? (['experimentIds', t.experimentId] as const)
          : 'runId' in t
            ? (['runIds', t.runId] as const)
            : 'sweepId' in t
              ? (['sweepIds', t.sweepId] as const)
              : (['artifactIds', t.artifactId] as const);
      // A malformed id cannot point at anything; the field itself answers NOT_FOUND for it.
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) byKind[kind].push(id);
    }
    if (!byKind.experimentIds.length && !byKind.runIds.length && !byKind.sweepIds.length && !byKind.artifactIds.length)
      return;
    for (const e of await this.store.experimentsOf(byKind)) {
      // Not named: an id of another experiment must not tell a limited key what that experiment is called.
      if (!this.allows(p, e)) throw forbiddenExperiment(field, 'what it names belongs to another experiment');
    }
  }

  allows(p: Principal, e: { id: string; name: string }): boolean {
    return !p.experiments || p.experiments.includes(e.id) || p.experiments.includes(e.name);
  }

  private async lookup(prefix: string): Promise<ApiKeyRow | null> {
    const hit = this.cache.get(prefix);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.row;
    const row = await this.store.byPrefix(prefix);
    if (this.cache.size > 10_000) this.cache.clear(); // garbage prefixes must not grow memory without bound
    this.cache.set(prefix, { row, at: Date.now() });
    return row;
  }

  private touch(id: string) {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.store.touch(id).catch((e) => this.log(`could not record key use: ${(e as Error).message}`));
  }
}

function hasControlCharacter(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

function forbiddenExperiment(field: string, detail: string) {
  return userError(ErrorCode.FORBIDDEN, `${field}: this API key is limited to some experiments (${detail}).`, {
    field,
  });
}
