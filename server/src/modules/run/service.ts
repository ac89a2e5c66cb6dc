import { isUuid } from '@runboard/contract/ids';
import { type Database, inTransaction } from '../../db/database.ts';
import { assertId, badInput } from '../../graphql/errors.ts';
import type { ExperimentService } from '../experiment/service.ts';
import { checkJsonObject, checkName, checkTags, checkText, LIMITS } from '../validate.ts';
import { purgeMetricRows } from './purge.ts';
import type { Bind, RunState } from './run-state.ts';
import { FINAL_STATUSES, findRun, type RunRow, type RunStatus } from './store.ts';

export interface CreateRunInput {
  experimentId?: string | null;
  experimentName?: string | null;
  name?: string | null;
  config?: unknown;
  tags?: string[] | null;
  notes?: string | null;
  systemInfo?: unknown;
}

export interface UpdateRunInput {
  name?: string | null;
  tags?: string[] | null;
  notes?: string | null;
}

/** The run API for trainers and people: validates input, then asks RunState (the owner of run state) to act. */
export class RunService {
  constructor(
    private readonly db: Database,
    private readonly experiments: ExperimentService,
    private readonly state: RunState,
  ) {}

  async get(id: string): Promise<RunRow | null> {
    if (!isUuid(id)) return null;
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
    const experiment = await this.experiments.resolveOrCreate(input);
    return inTransaction(this.db.pool, (c) =>
      this.state.insert(c, { experimentId: experiment.id, name, config, tags, notes, systemInfo }),
    );
  }

  start(id: string, systemInfo: unknown): Promise<RunRow> {
    return this.state.start(id, checkJsonObject('systemInfo', systemInfo ?? {}));
  }

  heartbeat(id: string): Promise<RunRow> {
    return this.state.heartbeat(id);
  }

  finish(
    id: string,
    status: RunStatus,
    exitCode: number | null | undefined,
    error: string | null | undefined,
  ): Promise<RunRow> {
    if (!FINAL_STATUSES.includes(status)) throw badInput('status', `must be one of ${FINAL_STATUSES.join(', ')}`);
    const message = error != null ? checkText('error', error, LIMITS.error) : null;
    return this.state.finish(id, status, exitCode ?? null, message);
  }

  update(id: string, input: UpdateRunInput): Promise<RunRow> {
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
    return this.state.edit(id, (p) => sets.map((s) => s(p)).join(', '));
  }

  async delete(id: string): Promise<string> {
    const runId = assertId('Run', id);
    await inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, 'SELECT id FROM runs WHERE id = $1', [runId]);
      await this.state.delete(c, runId);
    });
    return id;
  }
}
