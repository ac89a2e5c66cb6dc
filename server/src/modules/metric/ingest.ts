import type pg from 'pg';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { LIMITS, LONE_SURROGATE } from '../../core/validate.ts';
import { inCallerTransaction, inTransaction } from '../../db/database.ts';
import { notifyPg } from '../../pubsub/topics.ts';
import type { RunState } from '../run/run-state.ts';
import { lockRun } from '../run/store.ts';
import { buckets, dedupe, groupByKey, OPEN_LEVEL, type Point, summarise } from './aggregate.ts';
import type { ForwardGroups } from './forward-groups.ts';
import { rebuildSummaries, restoreChunksAsRows } from './history.ts';
import {
  appendPoints,
  deletePointsAfter,
  foldRollups,
  insertBatch,
  lastSteps,
  mergeLatest,
  takeChunksAfter,
  takeChunksInRanges,
  upsertPoints,
} from './store.ts';

export interface PointInput {
  key: string;
  step: number;
  value: number;
  wallTime?: Date | null;
}

export interface ColumnsInput {
  keys: string[];
  steps: number[];
  values: number[];
  wallTimes?: Date[] | null;
}

/** The column form of a batch, as points; every column must have one entry per point. */
export function pointsOfColumns(c: ColumnsInput): PointInput[] {
  const n = c.keys.length;
  if (c.steps.length !== n || c.values.length !== n || (c.wallTimes && c.wallTimes.length !== n)) {
    throw badInput(
      'columns',
      `keys, steps, values (and wallTimes) must have the same length (got ${n}, ${c.steps.length}, ${c.values.length}${c.wallTimes ? `, ${c.wallTimes.length}` : ''})`,
    );
  }
  const out: PointInput[] = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = { key: c.keys[i]!, step: c.steps[i]!, value: c.values[i]!, wallTime: c.wallTimes?.[i] ?? null };
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function validate(points: PointInput[]): Point[] {
  if (points.length === 0) throw badInput('points', 'must contain at least one point');
  if (points.length > LIMITS.pointsPerRequest) {
    throw userError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `At most ${LIMITS.pointsPerRequest} points per request (got ${points.length}); split the batch.`,
    );
  }
  const keys = new Set<string>();
  for (const p of points) keys.add(p.key);
  if (keys.size > LIMITS.keysPerRequest) {
    throw userError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `At most ${LIMITS.keysPerRequest} distinct metric keys per request (got ${keys.size}); split the batch by key.`,
    );
  }
  const now = Date.now();
  return points.map((p, i) => {
    // A lone surrogate would be stored as U+FFFD, so two different keys could collide as one.
    if (p.key.length === 0 || p.key.length > LIMITS.metricKey || CONTROL.test(p.key) || LONE_SURROGATE.test(p.key)) {
      throw badInput(
        `points[${i}].key`,
        `must be 1..${LIMITS.metricKey} characters without control characters or lone surrogates`,
      );
    }
    if (p.step < 0) throw badInput(`points[${i}].step`, 'must be >= 0');
    return { key: p.key, step: p.step, value: p.value, wallTime: p.wallTime ? p.wallTime.getTime() : now };
  });
}

/** Batches at least this big first check whether they only append (see appendsOnly). */
const APPEND_CHECK_MIN = 1000;

/**
 * True when every key's first step in the batch is past the last step stored for that key, so no point
 * can replace one: metric_latest.last_step is kept exact in the same transactions that write metrics, and
 * the run row lock (RunState.beginIngest, truncateMetrics) serialises writers of a run. A trainer logging forward
 * is always in this case; a plain INSERT then skips the speculative-insertion and RETURNING work of the
 * upsert (~20% of the insert statement, measured on 5k-row chunks).
 */
async function appendsOnly(c: pg.ClientBase, runId: string, groups: Point[][]): Promise<boolean> {
  const last = await lastSteps(
    c,
    runId,
    groups.map((g) => g[0]!.key),
  );
  return groups.every((g) => !last.has(g[0]!.key) || g[0]!.step > last.get(g[0]!.key)!);
}

/** A loop, not Math.min(...array): spreading ~125k+ groups overflows the call stack. */
function stepRange(groups: Point[][]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const g of groups) {
    min = Math.min(min, g[0]!.step);
    max = Math.max(max, g.at(-1)!.step);
  }
  return { min, max };
}

/** Batches up to this many points try the one-statement path first (a trainer's epoch is 10-100). */
const ONE_STATEMENT_MAX = 5000;
/** NOTIFY payloads are limited to 8,000 bytes; the rest of the notice needs ~120. */
const NOTICE_POINTS_MAX_BYTES = 7000;

/** The points for the NOTIFY payload, or null when they do not fit or are not all finite (JSON has no NaN). */
export function noticePoints(points: Point[]): string | null {
  if (points.length > 100 || !points.every((p) => Number.isFinite(p.value))) return null;
  // Written as text (JSON.stringify of a finite number is String(n)): no object per point, and a batch's points
  // mostly share one wall time (the server's clock), formatted once. The same JSON as stringifying NoticePoint[].
  let json = '[';
  let lastMs = Number.NaN;
  let iso = '';
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.wallTime !== lastMs) iso = new Date((lastMs = p.wallTime)).toISOString();
    json += `${i ? ',' : ''}{"key":${JSON.stringify(p.key)},"step":${p.step},"value":${p.value},"wallTime":"${iso}"}`;
  }
  json += ']';
  return json.length * 3 <= NOTICE_POINTS_MAX_BYTES || Buffer.byteLength(json) <= NOTICE_POINTS_MAX_BYTES ? json : null;
}

/**
 * The common case, a trainer logging forward: one statement (shared with other trainers' batches, see
 * ForwardGroups), its NOTIFYs committed with it. Null when it did not apply and wrote nothing: a point
 * already stored (a re-log, which the transactional path replaces and rebuilds summaries for) or a run that
 * does not accept metrics (the transactional path says why).
 */
async function appendForward(forward: ForwardGroups, runId: string, points: Point[], groups: Point[][]) {
  const seq = await forward.append({
    runId,
    points,
    latest: groups.map(summarise),
    rollups: groups.flatMap((g) => buckets(g, [OPEN_LEVEL])),
    noticePoints: noticePoints(points),
  });
  return seq === null ? null : { runId, seq, accepted: points.length };
}

/**
 * logMetrics: one transaction per request, chunked set-based inserts (unnest arrays, sent in binary; Prisma's
 * createMany measured ~7k rows/s), idempotent per (run, key, step), summaries updated in the same transaction,
 * and one NOTIFY for the batch delivered on commit (of the caller's transaction `client`, when given).
 */
export async function logMetrics(
  pool: pg.Pool,
  state: RunState,
  forward: ForwardGroups,
  id: string,
  input: PointInput[],
  client?: pg.ClientBase,
) {
  const runId = assertId('Run', id);
  const points = dedupe(validate(input));
  const groups = groupByKey(points);
  // Inside a caller's transaction (an MLflow log-batch with params and tags) the batch must commit with the rest,
  // so the one-statement path, which commits on its own, is only for a request that is the batch alone.
  if (!client && points.length <= ONE_STATEMENT_MAX) {
    const done = await appendForward(forward, runId, points, groups);
    if (done) return done;
  }
  return inCallerTransaction(pool, client, async (c) => {
    // The next seq, the batch counted as a heartbeat, a CRASHED run revived (with its event): RunState's call.
    const { seq } = await state.beginIngest(c, runId);
    // Forward logging appends; if the append check were ever wrong, appendPoints writes nothing and says so.
    const appended =
      points.length >= APPEND_CHECK_MIN &&
      (await appendsOnly(c, runId, groups)) &&
      (await appendPoints(c, runId, points, seq));
    if (!appended) await explodeChunksUnderBatch(c, runId, groups);
    const replaced = appended ? new Set<string>() : await upsertPoints(c, runId, points, seq);
    const fresh = groups.filter((g) => !replaced.has(g[0]!.key));
    // The fold reads each pair's frontier from metric_latest: before mergeLatest moves it.
    await foldRollups(
      c,
      runId,
      fresh.flatMap((g) => buckets(g, [OPEN_LEVEL])),
    );
    await mergeLatest(c, runId, fresh.map(summarise));
    await rebuildSummaries(c, runId, [...replaced]);
    const { min, max } = stepRange(groups);
    await insertBatch(c, { runId, seq, keys: groups.map((g) => g[0]!.key), minStep: min, maxStep: max });
    await notifyPg(c, { type: 'metrics', runId, seq });
    return { runId, seq, accepted: points.length };
  });
}

/**
 * Write path into compacted history (issue #23): a batch that is not a pure append may touch steps already
 * in chunks. Every chunk of a key whose step range meets the batch's steps for that key goes back to rows
 * first, in this transaction, so the upsert below replaces (or adds beside) them exactly as in a row-only
 * store. Compaction re-packs them later. An append (the usual trainer) never reaches this: its steps are all
 * past the last stored step, so no chunk can hold them.
 */
async function explodeChunksUnderBatch(c: pg.ClientBase, runId: string, groups: Point[][]): Promise<void> {
  const ranges = groups.map((g) => ({ key: g[0]!.key, lo: g[0]!.step, hi: g.at(-1)!.step }));
  const taken = await takeChunksInRanges(c, runId, ranges);
  if (taken.length > 0) await restoreChunksAsRows(c, runId, taken);
}

/** Removes points after a step (a run resumed from an earlier checkpoint) and rebuilds its summaries. */
export async function truncateMetrics(pool: pg.Pool, id: string, afterStep: number) {
  const runId = assertId('Run', id);
  if (afterStep < -1) throw badInput('afterStep', 'must be >= -1 (-1 removes every point)');
  return inTransaction(pool, async (c) => {
    if (!(await lockRun(c, runId))) throw notFound('Run', id);
    // Chunks holding later steps go first: the part at or before afterStep comes back as rows.
    const fromChunks = await restoreChunksAsRows(c, runId, await takeChunksAfter(c, runId, afterStep), afterStep);
    const deleted = new Map(fromChunks);
    for (const r of await deletePointsAfter(c, runId, afterStep)) deleted.set(r.key, (deleted.get(r.key) ?? 0) + r.n);
    await rebuildSummaries(c, runId, [...deleted.keys()]);
    return { runId, deleted: [...deleted.values()].reduce((a, n) => a + n, 0) };
  });
}
