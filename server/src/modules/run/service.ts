import type pg from 'pg';
import { type Database, inTransaction } from '../../db/database.js';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../graphql/errors.js';
import { notifyPg, type RunEventKind } from '../../pubsub/topics.js';
import type { ExperimentService } from '../experiment/service.js';
import { checkJsonObject, checkName, checkTags, checkText, LIMITS } from '../validate.js';
import { purgeMetricRows } from './purge.js';
import { FINAL_STATUSES, findRun, RUN_COLUMNS, type RunRow, type RunStatus } from './store.js';

export interface CreateRunInput {
  experimentId?: string | null;
  experimentName?: string | null;
  name?: string | null;
  config?: unknown;
  tags?: string[] | null;
  notes?: string | null;
  systemInfo?: unknown;
}

export interface BulkRunUpdateInput {
  addTags?: string[] | null;
  removeTags?: string[] | null;
  archived?: boolean | null;
}

/** Bulk operations take at most this many runs (one transaction, one statement). */
export const MAX_BULK_RUNS = 1000;

/** 1..MAX_BULK_RUNS valid, distinct run ids (lower-case); a malformed id is NOT_FOUND like everywhere else. */
function checkRunIds(ids: readonly string[]): string[] {
  if (ids.length === 0 || ids.length > MAX_BULK_RUNS) throw badInput('ids', `give 1..${MAX_BULK_RUNS} run ids`);
  return [...new Set(ids.map((id) => assertId('Run', id)))];
}

export interface UpdateRunInput {
  name?: string | null;
  tags?: string[] | null;
  notes?: string | null;
}

/**
 * Run lifecycle. Every state change is one UPDATE guarded by the statuses it may start from, bumps the
 * run's seq, and NOTIFYs in the same transaction, so subscribers hear about exactly the committed changes.
 */
export class RunService {
  constructor(
    private readonly db: Database,
    private readonly experiments: ExperimentService,
  ) {}

  async get(id: string): Promise<RunRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return findRun(this.db.pool, id);
  }

  async create(input: CreateRunInput): Promise<RunRow> {
    if ((input.experimentId == null) === (input.experimentName == null)) {
      throw badInput('experiment', 'give exactly one of experimentId and experimentName');
    }
    const config = checkJsonObject('config', input.config ?? {});
    const systemInfo = checkJsonObject('systemInfo', input.systemInfo ?? {});
    const tags = checkTags('tags', input.tags ?? []);
    const notes = checkText('notes', input.notes ?? '', LIMITS.notes);
    const name = input.name != null ? checkName('name', input.name) : null;
    const experimentId =
      input.experimentId != null
        ? assertId('Experiment', input.experimentId)
        : (await this.experiments.ensure(input.experimentName!)).id;
    return inTransaction(this.db.pool, async (c) => {
      const exists = await c.query('SELECT 1 FROM experiments WHERE id = $1 FOR SHARE', [experimentId]);
      if (!exists.rowCount) throw notFound('Experiment', experimentId);
      const { rows } = await c.query<RunRow>(
        `INSERT INTO runs AS r (id, experiment_id, name, config, tags, notes, system_info, seq, state_seq)
         VALUES (gen_random_uuid(), $1,
                 coalesce($2, 'run-' || (SELECT count(*) + 1 FROM runs WHERE experiment_id = $1)),
                 $3, $4, $5, $6, 1, 1)
         RETURNING ${RUN_COLUMNS}`,
        [experimentId, name, config, tags, notes, systemInfo],
      );
      const run = rows[0]!;
      await this.notify(c, run, 'CREATED');
      return run;
    });
  }

  start(id: string, systemInfo: unknown): Promise<RunRow> {
    const info = checkJsonObject('systemInfo', systemInfo ?? {});
    // RUNNING is allowed so a trainer replaying its journal after an outage can repeat the call.
    return this.transition(
      id,
      ['QUEUED', 'RUNNING', 'CRASHED'],
      'start',
      (p) =>
        `status = 'RUNNING', started_at = coalesce(started_at, now()), last_heartbeat_at = now(),
       finished_at = NULL, system_info = system_info || ${p(info)}::jsonb`,
    );
  }

  async heartbeat(id: string): Promise<RunRow> {
    const runId = assertId('Run', id);
    // The common case touches one column and publishes nothing: heartbeats are not events.
    const { rows } = await this.db.pool.query<RunRow>(
      `UPDATE runs r SET last_heartbeat_at = now() WHERE id = $1 AND status = 'RUNNING' RETURNING ${RUN_COLUMNS}`,
      [runId],
    );
    if (rows[0]) return rows[0];
    const run = await findRun(this.db.pool, runId);
    if (!run) throw notFound('Run', id);
    if (run.status === 'CRASHED') {
      return this.transition(
        runId,
        ['CRASHED'],
        'revive',
        () => `status = 'RUNNING', last_heartbeat_at = now(), finished_at = NULL`,
      );
    }
    if (run.status === 'QUEUED') {
      throw userError(
        ErrorCode.INVALID_STATE_TRANSITION,
        `Run ${id} is QUEUED; call startRun before sending heartbeats.`,
      );
    }
    return run; // final: the trainer learns from the returned status that it should stop
  }

  async finish(
    id: string,
    status: RunStatus,
    exitCode: number | null | undefined,
    error: string | null | undefined,
  ): Promise<RunRow> {
    if (!FINAL_STATUSES.includes(status)) throw badInput('status', `must be one of ${FINAL_STATUSES.join(', ')}`);
    const message = error != null ? checkText('error', error, LIMITS.error) : null;
    const current = await this.get(id);
    // A retried finishRun (trainer replaying after a lost response) is a no-op, not an error.
    if (current && current.status === status) return current;
    return this.transition(
      id,
      ['QUEUED', 'RUNNING', 'CRASHED'],
      `finish as ${status}`,
      (p) =>
        `status = ${p(status)}::"RunStatus", finished_at = now(), exit_code = ${p(exitCode ?? null)}::int,
       error_message = ${p(message)}::text`,
    );
  }

  update(id: string, input: UpdateRunInput): Promise<RunRow> {
    const sets: ((p: (v: unknown) => string) => string)[] = [];
    if (input.name != null) {
      const name = checkName('name', input.name);
      sets.push((p) => `name = ${p(name)}`);
    }
    if (input.tags != null) {
      const tags = checkTags('tags', input.tags);
      sets.push((p) => `tags = ${p(tags)}::text[]`);
    }
    if (input.notes != null) {
      const notes = checkText('notes', input.notes, LIMITS.notes);
      sets.push((p) => `notes = ${p(notes)}`);
    }
    if (sets.length === 0) throw badInput('input', 'give at least one of name, tags, notes');
    const all: RunStatus[] = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'CANCELED'];
    return this.transition(id, all, 'update', (p) => sets.map((s) => s(p)).join(', '));
  }

  async delete(id: string): Promise<string> {
    const runId = assertId('Run', id);
    return inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, 'SELECT id FROM runs WHERE id = $1', [runId]);
      const { rows } = await c.query<{ experimentId: string; seq: number }>(
        `DELETE FROM runs WHERE id = $1 RETURNING experiment_id AS "experimentId", seq`,
        [runId],
      );
      if (!rows[0]) throw notFound('Run', id);
      await notifyPg(c, {
        type: 'run',
        runId,
        experimentId: rows[0].experimentId,
        seq: rows[0].seq + 1,
        kind: 'DELETED',
      });
      return id;
    });
  }

  /**
   * Tags and archive flag of many runs, all or none: the rows are locked first so a missing id fails
   * before anything is written. Tag order is kept (existing tags first, new ones appended once).
   */
  async updateMany(ids: readonly string[], input: BulkRunUpdateInput): Promise<RunRow[]> {
    const runIds = checkRunIds(ids);
    const add = checkTags('addTags', input.addTags ?? []);
    const remove = checkTags('removeTags', input.removeTags ?? []);
    const archived = input.archived ?? null;
    if (!add.length && !remove.length && archived === null)
      throw badInput('input', 'give at least one of addTags, removeTags, archived');
    return inTransaction(this.db.pool, async (c) => {
      await this.lockAll(c, runIds);
      const { rows } = await c.query<RunRow>(
        `UPDATE runs r SET
           tags = (SELECT coalesce(array_agg(t ORDER BY o), '{}') FROM
                    (SELECT t, min(o) AS o FROM unnest(coalesce(r.tags, '{}') || $2::text[]) WITH ORDINALITY u(t, o)
                      WHERE NOT t = ANY($3::text[]) GROUP BY t) x),
           archived = coalesce($4::boolean, r.archived),
           seq = seq + 1, state_seq = seq + 1, updated_at = now()
         WHERE id = ANY($1::uuid[]) RETURNING ${RUN_COLUMNS}`,
        [runIds, add, remove, archived],
      );
      const over = rows.find((r) => r.tags.length > LIMITS.tags);
      if (over) throw badInput('addTags', `run ${over.id} would carry more than ${LIMITS.tags} tags`);
      for (const run of rows) await this.notify(c, run, 'UPDATED');
      const byId = new Map(rows.map((r) => [r.id, r]));
      return runIds.map((id) => byId.get(id)!);
    });
  }

  /** Deletes many runs with their metric rows, all or none (a missing id rolls everything back). */
  async deleteMany(ids: readonly string[]): Promise<string[]> {
    const runIds = checkRunIds(ids);
    return inTransaction(this.db.pool, async (c) => {
      await this.lockAll(c, runIds);
      await purgeMetricRows(c, 'SELECT unnest($1::uuid[])', [runIds]);
      const { rows } = await c.query<{ id: string; experimentId: string; seq: number }>(
        `DELETE FROM runs WHERE id = ANY($1::uuid[]) RETURNING id, experiment_id AS "experimentId", seq`,
        [runIds],
      );
      for (const r of rows) {
        await notifyPg(c, { type: 'run', runId: r.id, experimentId: r.experimentId, seq: r.seq + 1, kind: 'DELETED' });
      }
      return runIds;
    });
  }

  /** Locks the runs (in id order, so concurrent bulk calls cannot deadlock); NOT_FOUND names a missing one. */
  private async lockAll(c: pg.ClientBase, runIds: string[]): Promise<void> {
    const { rows } = await c.query<{ id: string }>(
      'SELECT id FROM runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [runIds],
    );
    if (rows.length === runIds.length) return;
    const found = new Set(rows.map((r) => r.id));
    throw notFound('Run', runIds.find((id) => !found.has(id))!);
  }

  /**
   * The one way run state changes: guarded UPDATE + seq bump + NOTIFY, in one transaction.
   * `set` receives a placeholder function that binds a value and returns its `$n`.
   */
  async transition(
    id: string,
    from: readonly RunStatus[],
    action: string,
    set: (p: (v: unknown) => string) => string,
  ): Promise<RunRow> {
    const runId = assertId('Run', id);
    const params: unknown[] = [runId, from];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const assignments = set(p);
    return inTransaction(this.db.pool, async (c) => {
      const { rows } = await c.query<RunRow>(
        `UPDATE runs r SET ${assignments}, seq = seq + 1, state_seq = seq + 1, updated_at = now()
          WHERE id = $1 AND status::text = ANY($2::text[]) RETURNING ${RUN_COLUMNS}`,
        params,
      );
      const run = rows[0];
      if (!run) {
        const existing = await findRun(c, runId);
        if (!existing) throw notFound('Run', id);
        throw userError(
          ErrorCode.INVALID_STATE_TRANSITION,
          `Cannot ${action} run ${id}: it is ${existing.status}; allowed only from ${from.join(', ')}.`,
          { status: existing.status },
        );
      }
      await this.notify(c, run, 'UPDATED');
      return run;
    });
  }

  notify(c: pg.ClientBase, run: RunRow, kind: RunEventKind) {
    return notifyPg(c, { type: 'run', runId: run.id, experimentId: run.experimentId, seq: run.seq, kind });
  }
}
