import { isUuid } from '@runboard/contract/ids';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { checkName, checkPageSize, checkTags, checkText, LIMITS } from '../../core/validate.ts';
import { type Database, inTransaction } from '../../db/database.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { purgeMetricRows, runCountsOf } from '../run/store.ts';
import { deleteExperiment, experimentConfigKeys, insertExperimentIfMissing, searchExperimentIds } from './store.ts';

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

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

export class ExperimentService {
  constructor(private readonly db: Database) {}

  async create(input: CreateExperimentInput) {
    const data = {
      name: checkName('name', input.name),
      description: checkText('description', input.description ?? '', LIMITS.description),
      tags: checkTags('tags', input.tags ?? []),
    };
    try {
      return await this.db.prisma.experiment.create({ data });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw userError(ErrorCode.ALREADY_EXISTS, `An experiment named ${JSON.stringify(data.name)} already exists.`);
      }
      throw err;
    }
  }

  /** The flattened config paths of the experiment's runs (for completion in filters). */
  configKeys(id: string): Promise<string[]> {
    return experimentConfigKeys(this.db.pool, id);
  }

  /** The experiment with this name, created when missing; safe under concurrent callers. */
  async ensure(name: string) {
    const clean = checkName('experimentName', name);
    await insertExperimentIfMissing(this.db.pool, clean);
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
    const data: Prisma.ExperimentUpdateInput = {};
    if (input.name != null) data.name = checkName('name', input.name);
    if (input.description != null) data.description = checkText('description', input.description, LIMITS.description);
    if (input.tags != null) data.tags = checkTags('tags', input.tags);
    try {
      return await this.db.prisma.experiment.update({ where: { id: assertId('Experiment', id) }, data });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025') throw notFound('Experiment', id);
      if (isUniqueViolation(err))
        throw userError(ErrorCode.ALREADY_EXISTS, `An experiment named ${JSON.stringify(data.name)} already exists.`);
      throw err;
    }
  }

  async delete(id: string): Promise<string> {
    const experimentId = assertId('Experiment', id);
    return inTransaction(this.db.pool, async (c) => {
      await purgeMetricRows(c, { experimentId });
      if (!(await deleteExperiment(c, experimentId))) throw notFound('Experiment', id);
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
