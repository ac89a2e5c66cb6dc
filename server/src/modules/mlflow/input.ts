/**
 * Reading MLflow requests: a POST's JSON body or a GET's query string, as the Python client sends them
 * (protobuf JSON: int64 as numbers or strings, doubles as numbers or "NaN"/"Infinity", run_id or run_uuid).
 * Limits are MLflow's own (mlflow/utils/validation.py).
 */
import { invalid } from './errors.ts';

export const MLFLOW_LIMITS = {
  keyLength: 250,
  paramValue: 6000,
  tagValue: 8000,
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  searchResults: 50_000,
  historyResults: 25_000,
  // Dataset inputs (MAX_DATASET_*_SIZE, MAX_INPUT_TAG_*_SIZE, MAX_DATASETS_PER_BATCH). MLflow has no limit on
  // tags per input; Runboard takes 100, as for a run's tags in one request.
  datasetsPerRequest: 1000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  inputTagsPerDataset: 100,
} as const;

export type Args = Record<string, unknown>;

/** Query parameters as args: repeated names (experiment_ids=1&experiment_ids=2) become lists. */
export function argsOfQuery(url: URL): Args {
  const out: Args = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const required = (name: string) =>
  invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );

export function optString(a: Args, name: string): string | undefined {
  const v = a[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a string`);
  if (v.includes('\0')) throw invalid(`Invalid value for parameter '${name}': NUL characters are not allowed`);
  return v;
}

export function reqString(a: Args, name: string): string {
  const v = optString(a, name);
  if (v === undefined || v === '') throw required(name);
  return v;
}

/** run_id, or run_uuid as older clients send it. */
export function runIdOf(a: Args): string {
  const v = optString(a, 'run_id') || optString(a, 'run_uuid');
  if (!v) throw required('run_id');
  return v;
}

export function optInt(a: Args, name: string): number | undefined {
  const v = a[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected an integer`);
  return n;
}

export function reqInt(a: Args, name: string): number {
  const n = optInt(a, name);
  if (n === undefined) throw required(name);
  return n;
}

/** Latest time a run may carry: the end of year 9999 (PostgreSQL and JavaScript both go further; people do not). */
const MAX_TIME_MS = 253_402_300_799_999;

/**
 * A run's `start_time` / `end_time`: milliseconds since the epoch, an integer as MLflow's handler asserts
 * (`_assert_intlike`), between 1970 and 9999; absent is undefined (the server's clock is used).
 */
export function optTime(a: Args, name: string): Date | undefined {
  const n = optInt(a, name);
  if (n === undefined) return undefined;
  if (n < 0 || n > MAX_TIME_MS)
    throw invalid(
      `Invalid value ${n} for parameter '${name}' supplied: milliseconds since the epoch, 0..${MAX_TIME_MS}`,
    );
  return new Date(n);
}

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function reqDouble(a: Args, name: string): number {
  const v = a[name];
  if (v === undefined || v === null) throw required(name);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in SPECIAL) return SPECIAL[v]!;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a number`);
}

export function optList(a: Args, name: string, max: number): unknown[] {
  const v = a[name];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > max) throw invalid(`'${name}' takes at most ${max} entries (got ${list.length})`);
  return list;
}

export function stringList(a: Args, name: string, max: number): string[] {
  return optList(a, name, max).map((v) => {
    if (typeof v !== 'string') throw invalid(`'${name}' must be a list of strings`);
    return v;
  });
}

export function objectList(a: Args, name: string, max: number): Args[] {
  return optList(a, name, max).map((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(`'${name}' must be a list of objects`);
    return v as Args;
  });
}

// MLflow's key rule: alphanumerics, underscores, dashes, periods, spaces, slashes and colons.
const KEY = /^[\p{L}\p{N}_\-. /:]+$/u;

/** A metric, param or tag key, refused where MLflow refuses it (and `..` segments, which name no file). */
export function checkKey(kind: string, key: string): string {
  if (!key) throw invalid(`${kind} key must not be empty`);
  if (key.length > MLFLOW_LIMITS.keyLength)
    throw invalid(
      `${kind} key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${MLFLOW_LIMITS.keyLength}`,
    );
  if (!KEY.test(key) || key.split('/').includes('..') || key.startsWith('/'))
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  return key;
}

export function checkValue(kind: string, key: string, value: string, max: number): string {
  if (value.length > max)
    throw invalid(`${kind} value for '${key}' had length ${value.length}, which exceeded length limit of ${max}`);
  if (/\p{Surrogate}/u.test(value)) throw invalid(`${kind} value for '${key}' contains a lone UTF-16 surrogate`);
  return value;
}

/** `{key, value}` entries (params or tags) with MLflow's limits. */
export function keyValues(a: Args, name: string, kind: string, maxCount: number, maxValue: number) {
  return objectList(a, name, maxCount).map((e) => ({
    key: checkKey(kind, reqString(e, 'key')),
    value: checkValue(kind, String(e.key), optString(e, 'value') ?? '', maxValue),
  }));
}

export function maxResults(a: Args, fallback: number, max: number): number {
  const n = optInt(a, 'max_results') ?? fallback;
  if (n < 1 || n > max)
    throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${max}, and at least 1`);
  return n;
}

/** Page tokens are opaque to clients; ours are base64url JSON. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (!token) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch {}
  throw invalid('Invalid page token');
}

/** MLflow's message for a value over its limit (mlflow/utils/validation.py, exceeds_maximum_length). */
export function checkLength(name: string, value: string, limit: number): string {
  if (value.length > limit) throw invalid(`'${name}' exceeds the maximum length of ${limit} characters`);
  return value;
}

/** An object-valued field (a protobuf message), or undefined when absent. */
export function optObject(a: Args, name: string): Args | undefined {
  const v = a[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalid(`Invalid value for parameter '${name}': expected an object`);
  return v as Args;
}
