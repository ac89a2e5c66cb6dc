import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { checkName, checkPageSize, checkTags, checkText, LIMITS } from '../../core/validate.ts';
import { type Database, inTransaction } from '../../db/database.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { notifyPg, type RunEventKind } from '../../pubsub/topics.ts';
import { purgeMetricRows, runCountsOf } from '../run/store.ts';
import { type ExperimentChange, type ExperimentFilter, ExperimentLive } from './live.ts';
import {
  deleteExperiment,
  experimentConfigKeys,
  insertExperiment,
  insertExperimentIfMissing,
  searchExperimentIds,
  updateExperimentRow,
} from './store.ts';

export interface CreateExperimentInput {
  name: string;
  description?: string | null;
  tags?: string[] | null;
}

export interface UpdateExperimentInput {
  name?: string | null;
  description?: string | null;
  tags?: string[] | null;
}

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

const taken = (name: string | null | undefined) =>
  userError(ErrorCode.ALREADY_EXISTS, `An experiment named ${JSON.stringify(name)} already exists.`);

/** The experiment change's NOTIFY, inside the writing transaction (experimentsChanged hears it on commit). */
const announce = (c: pg.ClientBase, experimentId: string, name: string, kind: RunEventKind) =>
  notifyPg(c, { type: 'experiment', experimentId, name, kind });

export class ExperimentService {
  private readonly live: ExperimentLive;

  constructor(
    private readonly db: Database,
    listener: PgListener,
  ) {
    this.live = new ExperimentLive(db.pool, listener);
  }

  async create(input: CreateExperimentInput) {
    const data = {
      name: checkName('name', input.name),
      description: checkText('description', input.description ?? '', LIMITS.description),
      tags: checkTags('tags', input.tags ?? []),
    };
    try {
      const id = await inTransaction(this.db.pool, async (c) => {
        const id = await insertExperiment(c, data);
        await announce(c, id, data.name, 'CREATED');
        return id;
      });
      return await this.db.prisma.experiment.findUniqueOrThrow({ where: { id } });
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(data.name);
      throw err;
    }
  }

  /** Experiments created, changed, deleted or with changed runs, among those `allowed` lets through (null: all). */
  changed(allowed: ExperimentFilter, startWithResync = false): AsyncIterableIterator<ExperimentChange> {
    return this.live.changed(allowed, startWithResync);
  }

  /** The flattened config paths of the experiment's runs (for completion in filters). */
  configKeys(id: string): Promise<string[]> {
    return experimentConfigKeys(this.db.pool, id);
  }

  /** The experiment with this name, created when missing; safe under concurrent callers. */
  async ensure(name: string) {
    const clean = checkName('experimentName', name);
    await inTransaction(this.db.pool, async (c) => {
      const id = await insertExperimentIfMissing(c, clean);
      if (id) await announce(c, id, clean, 'CREATED');
    });
    return this.db.prisma.experiment.findUniqueOrThrow({ where: { name: clean } });
  }

  /** The experiment named by exactly one of id and name; NOT_FOUND when it does not exist. */
  async resolve(args: { experimentId?: string | null; experimentName?: string | null }) {
    if ((args.experimentId == null) === (args.experimentName == null))
      throw badInput('experiment', 'give exactly one of experimentId and experimentName');
    const experiment =
      args.experimentId != null
        ? await this.db.prisma.experiment.findUnique({ where: { id: assertId('Experiment', args.experimentId) } })
        : await this.db.prisma.experiment.findUnique({ where: { name: args.experimentName! } });
    if (!experiment) throw notFound('Experiment', args.experimentId ?? args.experimentName!);
    return experiment;
  }

  /** By id (NOT_FOUND when missing) or by name (created when missing, like a W&B project). */
  resolveOrCreate(args: { experimentId?: string | null; experimentName?: string | null }) {
    if ((args.experimentId == null) === (args.experimentName == null))
      throw badInput('experiment', 'give exactly one of experimentId and experimentName');
    return args.experimentName != null ? this.ensure(args.experimentName) : this.resolve(args);
  }

  async update(id: string, input: UpdateExperimentInput) {
    const experimentId = assertId('Experiment', id);
    const data = {
      name: input.name != null ? checkName('name', input.name) : null,
      description: input.description != null ? checkText('description', input.description, LIMITS.description) : null,
      tags: input.tags != null ? checkTags('tags', input.tags) : null,
    };
    try {
      await inTransaction(this.db.pool, async (c) => {
        const name = await updateExperimentRow(c, experimentId, data);
        if (name === null) throw notFound('Experiment', id);
        await announce(c, experimentId, name, 'UPDATED');
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(data.name);
      throw err;
    }
    return this.db.prisma.experiment.findUniqueOrThrow({ where: { id: experimentId } });
  }

  async delete(id: string): Promise<string> {
    const experimentId = assertId('Experiment', id);
    return inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, { experimentId });
      const name = await deleteExperiment(c, experimentId);
      if (name === null) throw notFound('Experiment', id);
      await announce(c, experimentId, name, 'DELETED');
      return id;
    });
  }

  async get(args: { id?: string | null; name?: string | null }) {
    if ((args.id == null) === (args.name == null)) throw badInput('experiment', 'give exactly one of id and name');
    if (args.id != null) {
      if (!isUuid(args.id)) return null;
      return this.db.prisma.experiment.findUnique({ where: { id: args.id } });
    }
    return this.db.prisma.experiment.findUnique({ where: { name: args.name! } });
  }

  /** Experiments by id, in key order (null where missing): for the per-request loader. */
  async byIds(ids: readonly string[]) {
    const found = await this.db.prisma.experiment.findMany({ where: { id: { in: ids.filter(isUuid) } } });
    const byId = new Map(found.map((e) => [e.id, e]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(search: string | null | undefined, first: number | null | undefined) {
    const limit = checkPageSize(first, 200, 1000);
    const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const ids = await searchExperimentIds(this.db.pool, pattern, limit);
    const found = await this.db.prisma.experiment.findMany({ where: { id: { in: ids } } });
    const byId = new Map(found.map((e) => [e.id, e]));
    return ids.map((id) => byId.get(id)!).filter(Boolean);
  }

  async runCounts(experimentIds: readonly string[]) {
    const rows = await runCountsOf(this.db.pool, experimentIds);
    return experimentIds.map((id) => {
      const mine = rows.filter((r) => r.experimentId === id);
      const last = mine.reduce<Date | null>((acc, r) => (r.last && (!acc || r.last > acc) ? r.last : acc), null);
      return { counts: mine.map((r) => ({ status: r.status, count: r.count })), last };
    });
  }
}
