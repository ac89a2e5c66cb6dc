import { isUuid } from '@runboard/contract/ids';
import { assertId, notFound } from '../../core/errors.ts';
import { checkJsonObject, checkName } from '../../core/validate.ts';
import type { Database } from '../../db/database.ts';
import { Prisma } from '../../generated/prisma/client.ts';

export interface SaveViewInput {
  experimentId: string;
  name: string;
  state: unknown;
}

/** Saved views: named page states per experiment (see the SavedView type). */
export class ViewService {
  constructor(private readonly db: Database) {}

  async list(experimentId: string) {
    const id = assertId('Experiment', experimentId);
    const experiment = await this.db.prisma.experiment.findUnique({ where: { id }, select: { id: true } });
    if (!experiment) throw notFound('Experiment', experimentId);
    return this.db.prisma.savedView.findMany({ where: { experimentId: id }, orderBy: { name: 'asc' } });
  }

  get(id: string) {
    if (!isUuid(id)) return null;
    return this.db.prisma.savedView.findUnique({ where: { id: id.toLowerCase() } });
  }

  /** Insert or replace by (experiment, name): one statement, so two saves of one name cannot both insert. */
  async save(input: SaveViewInput) {
    const experimentId = assertId('Experiment', input.experimentId);
    const name = checkName('name', input.name);
    const state = checkJsonObject('state', input.state) as Prisma.InputJsonObject;
    try {
      return await this.db.prisma.savedView.upsert({
        where: { experimentId_name: { experimentId, name } },
        create: { experimentId, name, state },
        update: { state },
      });
    } catch (err) {
      // The experiment does not exist (or was deleted meanwhile): foreign-key violation.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003')
        throw notFound('Experiment', input.experimentId);
      throw err;
    }
  }

  async delete(id: string): Promise<string> {
    const viewId = assertId('SavedView', id);
    const { count } = await this.db.prisma.savedView.deleteMany({ where: { id: viewId } });
    if (!count) throw notFound('SavedView', id);
    return id;
  }
}
