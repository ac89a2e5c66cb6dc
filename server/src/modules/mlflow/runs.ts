import type pg from 'pg';
import { checkJsonObject } from '../../core/validate.ts';
import { inTransaction } from '../../db/database.ts';
import type { Principal } from '../auth/scopes.ts';
import type { Services } from '../context.ts';
import type { PointInput } from '../metric/ingest.ts';
import { FINAL_STATUSES, type RunRow } from '../run/store.ts';
import {
  jsonDouble,
  NOTE_TAG,
  paramString,
  paramValue,
  RUN_NAME_TAG,
  runInfoJson,
  runJson,
  type Tag,
  USER_TAG,
} from './convert.ts';
import { invalid, missing } from './errors.ts';
import type { MlflowExperiments } from './experiments.ts';
import {
  type Args,
  checkKey,
  checkValue,
  decodeToken,
  encodeToken,
  keyValues,
  MLFLOW_LIMITS,
  maxResults,
  objectList,
  optInt,
  optString,
  optTime,
  reqDouble,
  reqInt,
  reqString,
  runIdOf,
  stringList,
} from './input.ts';
import { appendModelHistory, datasetInputsOf, LOGGED_MODELS_TAG, modelHistoryEntry } from './run-inputs.ts';
import { mlflowFilterNode, mlflowOrder } from './search.ts';
import * as store from './store.ts';

const VIEW_ARCHIVED: Record<string, boolean | null> = { ACTIVE_ONLY: false, DELETED_ONLY: true, ALL: null };

/**
 * MLflow's run endpoints over Runboard's services: RunService/RunState for the run row (RunState stays the one
 * writer of status), the metric ingest for points, config for params, run_tags for key-value tags.
 */
export class MlflowRuns {
  constructor(
    private readonly s: Services,
    private readonly experiments: MlflowExperiments,
  ) {}

  async row(id: string): Promise<RunRow> {
    const run = await this.s.runs.get(id);
    if (!run) throw missing(`Run with id=${id} not found`);
    return run;
  }

  async json(runs: RunRow[]) {
    const ids = runs.map((r) => r.id);
    const [tags, latest, inputs] = await Promise.all([
      store.runTagsOf(this.s.db.pool, ids),
      this.s.metrics.latest(ids),
      store.runInputsOf(this.s.db.pool, ids),
    ]);
    return runs.map((r, i) => runJson(r, tags.get(r.id) ?? [], latest[i] ?? [], inputs.get(r.id) ?? []));
  }

  /**
   * One transaction: the run row, its start (RunState, with the client's `start_time`) and its tags; a fault in
   * any part leaves no run behind.
   */
  async create(a: Args) {
    const experiment = await this.experiments.row(reqString(a, 'experiment_id'));
    if (await this.experiments.isDeleted(experiment.id))
      throw invalid(`The experiment ${experiment.id} must be in the 'active' state to create runs in it`);
    const tags = keyValues(a, 'tags', 'Tag', MLFLOW_LIMITS.tagsPerBatch, MLFLOW_LIMITS.tagValue);
    const startedAt = optTime(a, 'start_time') ?? null;
    const user = optString(a, 'user_id');
    if (user && !tags.some((t) => t.key === USER_TAG)) tags.push({ key: USER_TAG, value: user });
    const name = optString(a, 'run_name') || tags.find((t) => t.key === RUN_NAME_TAG)?.value || null;
    const notes = tags.find((t) => t.key === NOTE_TAG)?.value;
    const run = await inTransaction(this.s.db.pool, async (c) => {
      const created = await this.s.runs.create({ experimentId: experiment.id, name, notes }, c);
      const started = await this.s.runs.start(created.id, { client: 'mlflow' }, startedAt, c);
      const kv = dedupeTags(tags.filter((t) => t.key !== RUN_NAME_TAG && t.key !== NOTE_TAG));
      await store.setRunTags(c, started.id, kv);
      return started;
    });
    const [json] = await this.json([run]);
    return { run: json };
  }

  async get(a: Args) {
    const [run] = await this.json([await this.row(runIdOf(a))]);
    return { run };
  }

  /**
   * end_run sends status FINISHED/FAILED/KILLED with its `end_time`, which becomes the run's end (the server's
   * clock when absent); a repeated end_run is a retry and keeps the first end. An `end_time` without a status
   * moves the end of a run that has ended, as MLflow stores it; on a run still active it is ignored (Runboard
   * runs have an end only once they ended). A deleted run takes no update (MLflow's update_run_info checks that
   * the run is active). One transaction.
   */
  async update(a: Args) {
    const id = runIdOf(a);
    const name = optString(a, 'run_name');
    const status = optString(a, 'status');
    const endedAt = optTime(a, 'end_time') ?? null;
    if (status && !['FINISHED', 'FAILED', 'KILLED', 'RUNNING', 'SCHEDULED'].includes(status))
      throw invalid(`Invalid run status '${status}'`);
    const run = await inTransaction(this.s.db.pool, async (c) => {
      let run = await this.assertWritable(id);
      if (name) run = await this.s.runs.update(id, { name }, c);
      if (status === 'FINISHED' || status === 'FAILED')
        run = await this.s.runs.finish(id, status, null, null, endedAt, c);
      else if (status === 'KILLED') run = await this.s.runs.finish(id, 'CANCELED', null, null, endedAt, c);
      else if (status === 'RUNNING' && run.status === 'QUEUED')
        run = await this.s.runs.start(id, { client: 'mlflow' }, null, c);
      else if (!status && endedAt && FINAL_STATUSES.includes(run.status))
        run = await this.s.runs.setEndTime(id, endedAt, c);
      return run;
    });
    const tags = await store.runTagsOf(this.s.db.pool, [run.id]);
    return { run_info: runInfoJson(run, tags.get(run.id) ?? []) };
  }

  /** MLflow's delete is reversible: Runboard archives the run (hidden from lists, restorable). */
  async setDeleted(a: Args, deleted: boolean) {
    await this.s.runs.updateMany([runIdOf(a)], { archived: deleted });
    return {};
  }

  async search(a: Args, p: Principal) {
    const experimentIds = stringList(a, 'experiment_ids', 1000);
    if (!experimentIds.length) throw invalid('experiment_ids must name at least one experiment');
    const ids = await Promise.all(
      experimentIds.map((e) => (e === '0' ? this.experiments.row(e).then((x) => x.id) : e)),
    );
    const view = optString(a, 'run_view_type') ?? 'ACTIVE_ONLY';
    if (!(view in VIEW_ARCHIVED)) throw invalid(`Invalid run_view_type '${view}'`);
    const page = await this.s.runs.list({
      experimentIds: ids,
      whereNode: mlflowFilterNode(optString(a, 'filter')),
      archived: VIEW_ARCHIVED[view],
      orderBy: mlflowOrder(stringList(a, 'order_by', 10)),
      first: maxResults(a, 1000, MLFLOW_LIMITS.searchResults),
      maxFirst: MLFLOW_LIMITS.searchResults,
      after: optString(a, 'page_token') || null,
    });
    void p; // scope: the route checked every experiment id against the key (access.ts)
    return {
      runs: await this.json(page.nodes),
      ...(page.pageInfo.hasNextPage ? { next_page_token: page.pageInfo.endCursor } : {}),
    };
  }

  async logMetric(a: Args) {
    const id = runIdOf(a);
    const point = metricPoint(a);
    await this.assertWritable(id);
    await this.s.metrics.log(id, [point], null);
    return {};
  }

  async logParam(a: Args) {
    const id = runIdOf(a);
    const key = checkKey('Param', reqString(a, 'key'));
    const param = { key, value: checkValue('Param', key, String(a.value ?? ''), MLFLOW_LIMITS.paramValue) };
    const run = await this.assertWritable(id);
    await inTransaction(this.s.db.pool, (c) => this.writeParams(run, [param], c));
    return {};
  }

  /**
   * Everything is validated before anything is written; then params, tags and metrics in ONE transaction
   * (RunState's edits and the metric ingest on the same client), so a fault in any part writes nothing.
   */
  async logBatch(a: Args) {
    const id = runIdOf(a);
    const metrics = objectList(a, 'metrics', MLFLOW_LIMITS.metricsPerBatch).map(metricPoint);
    const params = keyValues(a, 'params', 'Param', MLFLOW_LIMITS.paramsPerBatch, MLFLOW_LIMITS.paramValue);
    const tags = keyValues(a, 'tags', 'Tag', MLFLOW_LIMITS.tagsPerBatch, MLFLOW_LIMITS.tagValue);
    const run = await this.assertWritable(id);
    if (metrics.length && !['RUNNING', 'CRASHED'].includes(run.status))
      throw invalid(`Run ${id} is ${run.status}: metrics are closed once a run has ended`);
    checkParams(run, params);
    await inTransaction(this.s.db.pool, async (c) => {
      await this.writeParams(run, params, c);
      await this.writeTags(run, tags, c);
      if (metrics.length) await this.s.metrics.log(id, metrics, null, c);
    });
    return {};
  }

  async setTag(a: Args) {
    const run = await this.assertWritable(runIdOf(a));
    const key = checkKey('Tag', reqString(a, 'key'));
    const tag = { key, value: checkValue('Tag', key, optString(a, 'value') ?? '', MLFLOW_LIMITS.tagValue) };
    await inTransaction(this.s.db.pool, (c) => this.writeTags(run, [tag], c));
    return {};
  }

  async deleteTag(a: Args) {
    const run = await this.assertWritable(runIdOf(a));
    const key = reqString(a, 'key');
    if (key === NOTE_TAG) await this.s.runs.update(run.id, { notes: '' });
    else if (!(await store.deleteRunTag(this.s.db.pool, run.id, key)))
      throw missing(`No tag with name: ${key} in run with id ${run.id}`);
    return {};
  }

  /**
   * mlflow.log_input / autolog: datasets and the input's tags, all validated before anything is written, then
   * datasets and inputs in one transaction. Ended runs take inputs (as in MLflow); deleted ones do not.
   */
  async logInputs(a: Args) {
    const id = runIdOf(a);
    const inputs = datasetInputsOf(a);
    const run = await this.assertWritable(id);
    await inTransaction(this.s.db.pool, (c) => store.logRunInputs(c, run, inputs));
    return {};
  }

  /**
   * log_model's record of the model: appended to the run's `mlflow.log-model.history` tag, read and rewritten
   * under that tag's row lock in one transaction, so concurrent calls each land once and a refused one leaves
   * the tag as it was.
   */
  async logModel(a: Args) {
    const id = runIdOf(a);
    const entry = modelHistoryEntry(reqString(a, 'model_json'));
    const run = await this.assertWritable(id);
    await inTransaction(this.s.db.pool, async (c) => {
      const value = appendModelHistory(await store.lockRunTag(c, run.id, LOGGED_MODELS_TAG), entry);
      await store.setRunTags(c, run.id, [{ key: LOGGED_MODELS_TAG, value }]);
    });
    return {};
  }

  /** One key's points in step order, paged (a page token holds the last step sent). */
  async metricHistory(a: Args) {
    const run = await this.row(runIdOf(a));
    const key = reqString(a, 'metric_key');
    const limit = maxResults(a, MLFLOW_LIMITS.historyResults, MLFLOW_LIMITS.historyResults);
    const after = decodeToken(optString(a, 'page_token'), isStep)?.step ?? -1;
    const points = await this.s.metrics.history(run.id, key, after, limit + 1);
    const page = points.slice(0, limit);
    return {
      metrics: page.map((m) => ({
        key: m.key,
        value: jsonDouble(m.value),
        timestamp: m.wallTime.getTime(),
        step: m.step,
      })),
      ...(points.length > limit ? { next_page_token: encodeToken({ step: page.at(-1)!.step }) } : {}),
    };
  }

  /** Deleted (archived) runs take no writes, as in MLflow. */
  private async assertWritable(id: string): Promise<RunRow> {
    const run = await this.row(id);
    if (run.archived) throw invalid(`The run ${id} must be in the 'active' state. Current state is deleted.`);
    return run;
  }

  /**
   * Params are write-once (MLflow): the same value again is a no-op, another value is INVALID_PARAMETER_VALUE.
   * The store's config write keeps existing keys (`new || old`: the right side wins), so even a racing writer
   * cannot change a logged param; the check after it reports such a race.
   */
  private async writeParams(run: RunRow, params: Tag[], c: pg.ClientBase) {
    checkParams(run, params);
    const fresh = params.filter((p) => !(p.key in run.config));
    if (!fresh.length) return;
    const added = Object.fromEntries(fresh.map((p) => [p.key, paramValue(p.value)]));
    checkJsonObject('params', { ...run.config, ...added });
    const updated = await this.s.runState.edit(run.id, (b) => `config = ${b(added)}::jsonb || config`, c);
    checkParams(updated, params);
  }

  /** mlflow.runName and mlflow.note.content are the run's name and notes (RunService); the rest go to run_tags. */
  private async writeTags(run: RunRow, tags: Tag[], c: pg.ClientBase) {
    const name = tags.findLast((t) => t.key === RUN_NAME_TAG)?.value;
    const notes = tags.findLast((t) => t.key === NOTE_TAG)?.value;
    if (name || notes !== undefined) await this.s.runs.update(run.id, { name: name || null, notes }, c);
    const kv = dedupeTags(tags.filter((t) => t.key !== RUN_NAME_TAG && t.key !== NOTE_TAG));
    await store.setRunTags(c, run.id, kv);
  }
}

/** The last value of each key wins within one request (ON CONFLICT cannot touch a row twice). */
function dedupeTags(tags: Tag[]): Tag[] {
  return [...new Map(tags.map((t) => [t.key, t])).values()];
}

function checkParams(run: RunRow, params: Tag[]) {
  const seen = new Map<string, string>();
  for (const p of params) {
    const before = seen.get(p.key);
    if (before !== undefined && before !== p.value)
      throw invalid(`Duplicate parameter keys have been submitted with different values: '${p.key}'`);
    seen.set(p.key, p.value);
    if (p.key in run.config && paramString(run.config[p.key]) !== p.value)
      throw invalid(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${paramString(run.config[p.key])}' for run ID='${run.id}'. Attempted logging new value '${p.value}'.`,
      );
  }
}

function metricPoint(a: Args): PointInput {
  const key = checkKey('Metric', reqString(a, 'key'));
  const timestamp = reqInt(a, 'timestamp');
  const wallTime = new Date(timestamp);
  if (Number.isNaN(wallTime.getTime())) throw invalid(`Invalid timestamp ${timestamp} for metric '${key}'`);
  const step = optInt(a, 'step') ?? 0;
  if (step < 0) throw invalid(`Invalid step ${step} for metric '${key}': Runboard steps are >= 0`);
  return { key, value: reqDouble(a, 'value'), step, wallTime };
}

const isStep = (v: unknown): v is { step: number } =>
  !!v && typeof v === 'object' && Number.isSafeInteger((v as { step?: unknown }).step);
