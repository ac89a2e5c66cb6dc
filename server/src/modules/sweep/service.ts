import { randomInt, randomUUID } from 'node:crypto';
import { isUuid } from '@runboard/contract/ids';
import { GraphQLError } from 'graphql';
import { type Database, inTransaction } from '../../db/database.ts';
import { badInput, ErrorCode, notFound } from '../../graphql/errors.ts';
import type { ExperimentService } from '../experiment/service.ts';
import { givenConfigPaths, validateTrainerConfig } from '../launch/config-contract.ts';
import { queueName } from '../launch/queue.ts';
import { checkLabels } from '../launch/service.ts';
import type { RunState } from '../run/run-state.ts';
import { RUN_COLUMNS, type RunRow } from '../run/store.ts';
import { checkName } from '../validate.ts';
import { applyPoint, generate, parseSpace } from './space.ts';

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

export interface SweepResult {
  run: RunRow;
  value: number | null;
  step: number | null;
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
    private readonly experiments: ExperimentService,
    private readonly state: RunState,
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
    const given = points.map((pt) => applyPoint(input.baseConfig as Record<string, unknown>, pt));
    const configs = given.map((g, i) => validateTrainerConfig(experimentName, g, `runs[${i}].config`));
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
        await this.state.insert(
          c,
          {
            experimentId: experiment.id,
            name: `${name}-${i + 1}`,
            config,
            tags: ['sweep', name],
            notes: `Sweep ${name}: ${JSON.stringify(points[i])}`,
            userConfigKeys: givenConfigPaths(given[i]!),
          },
          { labels, retries, priority: 0, queue: queueName(labels), sweep: { id, parallelism: input.parallelism } },
        );
      }
      return rows[0]!;
    });
  }

  /** Sweeps by id, in key order (null where missing): for the per-request loader. */
  async byIds(ids: readonly string[]): Promise<(SweepRow | null)[]> {
    const { rows } = await this.db.pool.query<SweepRow>(
      `SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ANY($1::uuid[])`,
      [ids.filter(isUuid)],
    );
    const byId = new Map(rows.map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async get(id: string): Promise<SweepRow | null> {
    if (!isUuid(id)) return null;
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

  /**
   * Cancels every run of the sweep that has not ended, through RunState.cancel (which takes a run off the
   * queue or asks its agent to stop). Queued runs first, so none of them is handed to an agent freed by a
   * stopping run. A run that ends meanwhile is skipped.
   */
  async cancel(id: string): Promise<SweepRow> {
    const sweep = await this.get(id);
    if (!sweep) throw notFound('Sweep', id);
    const { rows } = await this.db.pool.query<{ id: string }>(
      `SELECT id FROM runs WHERE sweep_id = $1 AND status NOT IN ('FINISHED', 'FAILED', 'CANCELED')
        ORDER BY (status = 'QUEUED') DESC, created_at`,
      [sweep.id],
    );
    for (const r of rows) {
      try {
        await this.state.cancel(r.id);
      } catch (e) {
        const ended = e instanceof GraphQLError && e.extensions.code === ErrorCode.INVALID_STATE_TRANSITION;
        if (!ended) throw e;
      }
    }
    return sweep;
  }

  /**
   * Each sweep's runs with their summary of the sweep's metric (the last value, or the best with NaN ignored), in
   * key order: one query for any number of sweeps, so a sweep page's runs, best run, counts and parameter plots
   * share one read.
   */
  async resultsOf(sweepIds: readonly string[]): Promise<SweepResult[][]> {
    const { rows } = await this.db.pool.query<RunRow & { _value: number | null; _step: number | null }>(
      `SELECT ${RUN_COLUMNS},
              CASE WHEN s.summary = 'LAST' THEN ml.last_value
                   WHEN s.goal = 'MINIMIZE' THEN ml.min_value ELSE ml.max_value END AS _value,
              CASE WHEN s.summary = 'LAST' THEN ml.last_step
                   WHEN s.goal = 'MINIMIZE' THEN ml.min_step ELSE ml.max_step END AS _step
         FROM runs r JOIN sweeps s ON s.id = r.sweep_id
         LEFT JOIN metric_latest ml ON ml.run_id = r.id AND ml.key = s.metric
        WHERE r.sweep_id = ANY($1::uuid[]) ORDER BY r.created_at, r.name`,
      [sweepIds.filter(isUuid)],
    );
    const results = rows.map(({ _value, _step, ...run }) => ({ run: run as RunRow, value: _value, step: _step }));
    return sweepIds.map((id) => results.filter((r) => r.run.sweepId === id));
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
