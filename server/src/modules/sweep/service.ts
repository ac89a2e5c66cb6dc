import { randomInt, randomUUID } from 'node:crypto';
import { type Database, inTransaction } from '../../db/database.js';
import { badInput } from '../../graphql/errors.js';
import type { ExperimentService } from '../experiment/service.js';
import { validateTrainerConfig } from '../launch/config-contract.js';
import type { RunQueue } from '../launch/queue.js';
import { checkLabels, insertLaunchedRun } from '../launch/service.js';
import type { RunService } from '../run/service.js';
import { RUN_COLUMNS, type RunRow } from '../run/store.js';
import { checkName } from '../validate.js';
import { applyPoint, generate, parseSpace } from './space.js';

export interface LaunchSweepInput {
  experimentId?: string | null;
  experimentName?: string | null;
  name?: string | null;
  baseConfig: unknown;
  space: unknown;
  method: 'GRID' | 'RANDOM';
  maxRuns: number;
  parallelism: number;
  metric: string;
  goal: 'MINIMIZE' | 'MAXIMIZE';
  summary?: 'LAST' | 'BEST' | null;
  seed?: number | null;
  labels?: string[] | null;
  retries?: number | null;
}

export interface SweepRow {
  id: string;
  experimentId: string;
  name: string;
  method: 'GRID' | 'RANDOM';
  baseConfig: Record<string, unknown>;
  space: Record<string, unknown>;
  maxRuns: number;
  parallelism: number;
  metric: string;
  goal: 'MINIMIZE' | 'MAXIMIZE';
  summary: 'LAST' | 'BEST';
  createdAt: Date;
}

const SWEEP_COLUMNS = `id, experiment_id AS "experimentId", name, method::text AS method, base_config AS "baseConfig", space,
  max_runs AS "maxRuns", parallelism, metric, goal, summary, created_at AS "createdAt"`;

/**
 * Sweeps: every run is generated, validated against the trainer contract and queued in one transaction
 * (all or nothing). Parallelism is enforced by the queue itself (pg-boss group concurrency, one group per
 * sweep), so it holds across any number of agents and servers.
 */
export class SweepService {
  constructor(
    private readonly db: Database,
    private readonly queue: RunQueue,
    private readonly experiments: ExperimentService,
    private readonly runs: RunService,
  ) {}

  async launch(input: LaunchSweepInput): Promise<SweepRow> {
    if (!Number.isInteger(input.maxRuns) || input.maxRuns < 1 || input.maxRuns > 1000)
      throw badInput('maxRuns', 'must be between 1 and 1000');
    if (!Number.isInteger(input.parallelism) || input.parallelism < 1 || input.parallelism > 256)
      throw badInput('parallelism', 'must be between 1 and 256');
    const metric = checkName('metric', input.metric, 250);
    // A new experiment name is created (as createRun and launchRun do), after everything is validated.
    const byName = input.experimentId == null && input.experimentName != null;
    const known = byName ? null : await this.experiments.resolve(input);
    const experimentName = known?.name ?? checkName('experimentName', input.experimentName!);
    if (input.baseConfig === null || typeof input.baseConfig !== 'object' || Array.isArray(input.baseConfig))
      throw badInput('baseConfig', 'must be a JSON object');
    const params = parseSpace(input.space);
    const seed = input.seed ?? randomInt(2 ** 31);
    const points = generate(params, input.method, input.maxRuns, seed);
    const configs = points.map((pt, i) =>
      validateTrainerConfig(
        experimentName,
        applyPoint(input.baseConfig as Record<string, unknown>, pt),
        `runs[${i}].config`,
      ),
    );
    const labels = checkLabels(input.labels ?? []);
    const retries = input.retries ?? 0;
    const experiment = known ?? (await this.experiments.ensure(experimentName));
    const id = randomUUID();
    const name = input.name != null ? checkName('name', input.name) : `sweep-${id.slice(0, 8)}`;
    return inTransaction(this.db.pool, async (c) => {
      const { rows } = await c.query<SweepRow>(
        `INSERT INTO sweeps (id, experiment_id, name, method, base_config, space, max_runs, parallelism, metric, goal, summary)
         VALUES ($1, $2, $3, $4::"SweepMethod", $5, $6, $7, $8, $9, $10, $11) RETURNING ${SWEEP_COLUMNS}`,
        [
          id,
          experiment.id,
          name,
          input.method,
          input.baseConfig,
          { ...(input.space as object), _seed: seed },
          input.maxRuns,
          input.parallelism,
          metric,
          input.goal,
          input.summary ?? 'LAST',
        ],
      );
      for (const [i, config] of configs.entries()) {
        await insertLaunchedRun(c, this.queue, this.runs, {
          experimentId: experiment.id,
          name: `${name}-${i + 1}`,
          config,
          tags: ['sweep', name],
          notes: `Sweep ${name}: ${JSON.stringify(points[i])}`,
          labels,
          retries,
          priority: 0,
          sweep: { id, parallelism: input.parallelism },
        });
      }
      return rows[0]!;
    });
  }

  async get(id: string): Promise<SweepRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await this.db.pool.query<SweepRow>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(experimentId: string | null | undefined): Promise<SweepRow[]> {
    const { rows } = await this.db.pool.query<SweepRow>(
      `SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE $1::text IS NULL OR experiment_id::text = $1 ORDER BY created_at DESC`,
      [experimentId ?? null],
    );
    return rows;
  }

  /** The sweep's runs with their summary value of the sweep metric: the last one, or the best (NaN ignored). */
  async results(sweep: SweepRow): Promise<{ run: RunRow; value: number | null; step: number | null }[]> {
    const best = sweep.summary === 'LAST' ? 'last' : sweep.goal === 'MINIMIZE' ? 'min' : 'max';
    const { rows } = await this.db.pool.query<RunRow & { _value: number | null; _step: number | null }>(
      `SELECT ${RUN_COLUMNS}, ml.${best}_value AS _value, ml.${best}_step AS _step FROM runs r
         LEFT JOIN metric_latest ml ON ml.run_id = r.id AND ml.key = $2
        WHERE r.sweep_id = $1 ORDER BY r.created_at, r.name`,
      [sweep.id, sweep.metric],
    );
    return rows.map(({ _value, _step, ...run }) => ({ run: run as RunRow, value: _value, step: _step }));
  }
}

/** Reads a dotted path out of a config. */
export function valueAt(config: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined),
      config,
    );
}
