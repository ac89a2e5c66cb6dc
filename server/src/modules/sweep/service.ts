import { randomInt, randomUUID } from 'node:crypto';
import { isUuid } from '@runboard/contract/ids';
import { GraphQLError } from 'graphql';
import { badInput, ErrorCode, notFound } from '../../core/errors.ts';
import { checkName } from '../../core/validate.ts';
import { type Database, inTransaction } from '../../db/database.ts';
import type { ExperimentService } from '../experiment/service.ts';
import { givenConfigPaths } from '../launch/config-contract.ts';
import { queueName } from '../launch/queue.ts';
import { checkEntryPoint, checkLabels, launchConfig } from '../launch/service.ts';
import type { RunState } from '../run/run-state.ts';
import { type RunRow, unfinishedRunsOfSweep } from '../run/store.ts';
import { applyPoint, generate, parseSpace } from './space.ts';
import { insertSweep, listSweeps, type SweepRow, sweepRunsWithMetric, sweepsByIds } from './store.ts';

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
  entryPoint?: string | null;
}

export interface SweepResult {
  run: RunRow;
  value: number | null;
  step: number | null;
}

/**
 * Sweeps: every run is generated, validated (against the trainer contract for the built-in trainer) and queued in one transaction
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
    const entryPoint = checkEntryPoint(input.entryPoint);
    const given = points.map((pt) => applyPoint(input.baseConfig as Record<string, unknown>, pt));
    const configs = given.map((g, i) => launchConfig(entryPoint, experimentName, g, `runs[${i}].config`));
    const labels = checkLabels(input.labels ?? []);
    const retries = input.retries ?? 0;
    const experiment = known ?? (await this.experiments.ensure(experimentName));
    const id = randomUUID();
    const name = input.name != null ? checkName('name', input.name) : `sweep-${id.slice(0, 8)}`;
    return inTransaction(this.db.pool, async (c) => {
      const sweep = await insertSweep(c, {
        id,
        experimentId: experiment.id,
        name,
        method: input.method,
        baseConfig: input.baseConfig as Record<string, unknown>,
        space: { ...(input.space as object), _seed: seed },
        maxRuns: input.maxRuns,
        parallelism: input.parallelism,
        metric,
        goal: input.goal,
        summary: input.summary ?? 'LAST',
      });
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
          {
            labels,
            retries,
            priority: 0,
            queue: queueName(labels, entryPoint),
            entryPoint,
            sweep: { id, parallelism: input.parallelism },
          },
        );
      }
      return sweep;
    });
  }

  /** Sweeps by id, in key order (null where missing): for the per-request loader. */
  async byIds(ids: readonly string[]): Promise<(SweepRow | null)[]> {
    const rows = await sweepsByIds(this.db.pool, ids.filter(isUuid));
    const byId = new Map(rows.map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async get(id: string): Promise<SweepRow | null> {
    if (!isUuid(id)) return null;
    return (await sweepsByIds(this.db.pool, [id]))[0] ?? null;
  }

  async list(experimentId: string | null | undefined): Promise<SweepRow[]> {
    return listSweeps(this.db.pool, experimentId ?? null);
  }

  /**
   * Cancels every run of the sweep that has not ended, through RunState.cancel (which takes a run off the
   * queue or asks its agent to stop). Queued runs first, so none of them is handed to an agent freed by a
   * stopping run. A run that ends meanwhile is skipped.
   */
  async cancel(id: string): Promise<SweepRow> {
    const sweep = await this.get(id);
    if (!sweep) throw notFound('Sweep', id);
    for (const runId of await unfinishedRunsOfSweep(this.db.pool, sweep.id)) {
      try {
        await this.state.cancel(runId);
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
    const rows = await sweepRunsWithMetric(this.db.pool, sweepIds.filter(isUuid));
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
