import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { assertId, badInput } from '../../core/errors.ts';
import { checkJsonObject, checkName, checkTags, checkText, LIMITS } from '../../core/validate.ts';
import { type Database, inCallerTransaction, inTransaction } from '../../db/database.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import type { ExperimentService } from '../experiment/service.ts';
import { listRuns, type RunListArgs, type RunPage } from './list.ts';
import { type RunChangedOptions, type RunEvent, RunLive } from './live.ts';
import type { RunState } from './run-state.ts';
import {
  type Bind,
  FINAL_STATUSES,
  findRun,
  purgeMetricRows,
  type RunRow,
  type RunStatus,
  tagsAndArchived,
} from './store.ts';

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

/** The run API for trainers and people: validates input, then asks RunState (the owner of run state) to act. */
export class RunService {
  private readonly live: RunLive;

  constructor(
    private readonly db: Database,
    private readonly experiments: ExperimentService,
    private readonly state: RunState,
    listener: PgListener,
  ) {
    this.live = new RunLive(db.pool, listener);
  }

  list(args: RunListArgs): Promise<RunPage> {
    return listRuns(this.db.pool, args);
  }

  /** The runChanged stream (see live.ts). */
  changed(
    args: { experimentId?: string | null; runIds?: string[] | null },
    options: RunChangedOptions,
  ): AsyncIterableIterator<RunEvent> {
    return this.live.runChanged(args, options);
  }

  async get(id: string): Promise<RunRow | null> {
    if (!isUuid(id)) return null;
    return findRun(this.db.pool, id);
  }

  /** With `c`, the run is inserted in the caller's transaction (an MLflow runs/create is one transaction). */
  async create(input: CreateRunInput, c?: pg.ClientBase): Promise<RunRow> {
    if ((input.experimentId == null) === (input.experimentName == null)) {
      throw badInput('experiment', 'give exactly one of experimentId and experimentName');
    }
    const config = checkJsonObject('config', input.config ?? {});
    const systemInfo = checkJsonObject('systemInfo', input.systemInfo ?? {});
    const tags = checkTags('tags', input.tags ?? []);
    const notes = checkText('notes', input.notes ?? '', LIMITS.notes);
    const name = input.name != null ? checkName('name', input.name) : null;
    const experiment = await this.experiments.resolveOrCreate(input);
    return inCallerTransaction(this.db.pool, c, (tx) =>
      this.state.insert(tx, { experimentId: experiment.id, name, config, tags, notes, systemInfo }),
    );
  }

  /** `at`: a start time the client measured (MLflow's start_time); `c`: the caller's transaction. */
  start(id: string, systemInfo: unknown, at: Date | null = null, c?: pg.ClientBase): Promise<RunRow> {
    return this.state.start(id, checkJsonObject('systemInfo', systemInfo ?? {}), at, c);
  }

  heartbeat(id: string): Promise<RunRow> {
    return this.state.heartbeat(id);
  }

  finish(
    id: string,
    status: RunStatus,
    exitCode: number | null | undefined,
    error: string | null | undefined,
    at: Date | null = null,
    c?: pg.ClientBase,
  ): Promise<RunRow> {
    if (!FINAL_STATUSES.includes(status)) throw badInput('status', `must be one of ${FINAL_STATUSES.join(', ')}`);
    const message = error != null ? checkText('error', error, LIMITS.error) : null;
    return this.state.finish(id, status, exitCode ?? null, message, at, c);
  }

  /** Moves an ended run's end time (MLflow's update-run with only end_time); see RunState.setEndTime. */
  setEndTime(id: string, at: Date, c?: pg.ClientBase): Promise<RunRow> {
    return this.state.setEndTime(id, at, c);
  }

  update(id: string, input: UpdateRunInput, c?: pg.ClientBase): Promise<RunRow> {
    const sets: ((p: Bind) => string)[] = [];
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
    return this.state.edit(id, (p) => sets.map((s) => s(p)).join(', '), c);
  }

  async delete(id: string): Promise<string> {
    const runId = assertId('Run', id);
    await inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, { runIds: [runId] });
      await this.state.delete(c, runId);
    });
    return id;
  }

  /**
   * Tags and archive flag of many runs, all or none (a missing id fails before anything is written). Tag order
   * is kept: existing tags first, new ones appended once.
   */
  updateMany(ids: readonly string[], input: BulkRunUpdateInput): Promise<RunRow[]> {
    const runIds = checkRunIds(ids);
    const add = checkTags('addTags', input.addTags ?? []);
    const remove = checkTags('removeTags', input.removeTags ?? []);
    const archived = input.archived ?? null;
    if (!add.length && !remove.length && archived === null)
      throw badInput('input', 'give at least one of addTags, removeTags, archived');
    return this.state.editMany(runIds, tagsAndArchived(add, remove, archived), (rows) => {
      const over = rows.find((r) => r.tags.length > LIMITS.tags);
      if (over) throw badInput('addTags', `run ${over.id} would carry more than ${LIMITS.tags} tags`);
    });
  }

  /** Deletes many runs with their metric rows, all or none (a missing id rolls everything back). */
  async deleteMany(ids: readonly string[]): Promise<string[]> {
    const runIds = checkRunIds(ids);
    await inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, { runIds });
      await this.state.deleteMany(c, runIds);
    });
    return runIds;
  }
}
