import type pg from 'pg';
import type { Scope } from './scopes.ts';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: Scope[];
  experiments: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, prefix, hash, scopes::text[] AS scopes, experiments, created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** SQL for the api_keys table. Shared by the server and the `npm run keys` CLI. */
export class ApiKeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(k: { name: string; prefix: string; hash: string; scopes: Scope[]; experiments: string[] }) {
    const { rows } = await this.pool.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, name, prefix, hash, scopes, experiments)
       VALUES (gen_random_uuid(), $1, $2, $3, $4::"ApiKeyScope"[], $5) RETURNING ${COLUMNS}`,
      [k.name, k.prefix, k.hash, k.scopes, k.experiments],
    );
    return rows[0]!;
  }

  async byPrefix(prefix: string): Promise<ApiKeyRow | null> {
    const { rows } = await this.pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]);
    return rows[0] ?? null;
  }

  async byId(id: string): Promise<ApiKeyRow | null> {
    const { rows } = await this.pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1::uuid`, [id]);
    return rows[0] ?? null;
  }

  /** Active keys first, newest first; revoked keys only when asked for. */
  async list(includeRevoked = false): Promise<ApiKeyRow[]> {
    const { rows } = await this.pool.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE $1 OR revoked_at IS NULL ORDER BY revoked_at NULLS FIRST, created_at DESC`,
      [includeRevoked],
    );
    return rows;
  }

  async countActive(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL',
    );
    return rows[0]!.n;
  }

  /** Revokes by id or prefix; returns the row (also when it was revoked before), or null when there is none. */
  async revoke(idOrPrefix: string): Promise<ApiKeyRow | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
    const { rows } = await this.pool.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE ${isUuid ? 'id = $1::uuid' : 'prefix = $1'} RETURNING ${COLUMNS}`,
      [idOrPrefix],
    );
    return rows[0] ?? null;
  }

  /**
   * One more wrong key from `address` in the window every server on this database shares (auth_failures): a new
   * window of `windowMs` when there is none or it has ended. Also deletes up to 10 other windows that have ended, so
   * the table holds about the addresses that failed in the last window. Returns that window's failures and the
   * milliseconds left in it (by the database's clock, which every server shares).
   */
  async recordFailure(address: string, windowMs: number): Promise<{ failures: number; endsInMs: number }> {
    const { rows } = await this.pool.query<{ failures: number; endsInMs: number }>(
      `WITH ended AS (
         DELETE FROM auth_failures WHERE address IN (
           SELECT address FROM auth_failures WHERE ends_at < now() AND address <> $1 LIMIT 10 FOR UPDATE SKIP LOCKED))
       INSERT INTO auth_failures AS f (address, failures, ends_at)
       VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (address) DO UPDATE SET
         failures = CASE WHEN f.ends_at > now() THEN f.failures + 1 ELSE 1 END,
         ends_at = CASE WHEN f.ends_at > now() THEN f.ends_at ELSE EXCLUDED.ends_at END
       RETURNING failures, (extract(epoch FROM ends_at - now()) * 1000)::float8 AS "endsInMs"`,
      [address, windowMs],
    );
    return rows[0]!;
  }

  async touch(id: string): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }

  /** Id and name of the experiment each target points at (targets that point at nothing are left out). */
  async experimentsOf(t: {
    experimentIds: string[];
    runIds: string[];
    sweepIds: string[];
    artifactIds: string[];
  }): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.pool.query<{ id: string; name: string }>(
      `SELECT e.id, e.name FROM experiments e
        WHERE e.id = ANY($1::uuid[])
           OR e.id IN (SELECT experiment_id FROM runs WHERE id = ANY($2::uuid[]))
           OR e.id IN (SELECT experiment_id FROM sweeps WHERE id = ANY($3::uuid[]))
           OR e.id IN (SELECT r.experiment_id FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.id = ANY($4::uuid[]))`,
      [t.experimentIds, t.runIds, t.sweepIds, t.artifactIds],
    );
    return rows;
  }
}
