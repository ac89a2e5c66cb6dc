/**
 * MLflow's runs/log-inputs (datasets a run used, mlflow.log_input) and runs/log-model (the `mlflow.log-model.history`
 * tag that log_model appends to): reading the requests with MLflow's rules and limits, and the JSON they read back
 * as. Pure functions; the writes are MlflowRuns.logInputs / logModel.
 */
import type { Tag } from './convert.ts';
import { invalid } from './errors.ts';
import { type Args, checkLength, MLFLOW_LIMITS, objectList, optList, optObject, optString } from './input.ts';
import type { DatasetInput } from './store.ts';

/** MLflow's tag holding the models logged in a run (mlflow/utils/mlflow_tags.py, MLFLOW_LOGGED_MODELS). */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';

const L = MLFLOW_LIMITS;

/** A field MLflow's Dataset / InputTag marks validate_required: present and a string ('' is allowed, as there). */
function required(a: Args, name: string, what: string): string {
  const v = optString(a, name);
  if (v === undefined) throw invalid(`${what} ${name} cannot be None`);
  return v;
}

function inputTags(a: Args): Tag[] {
  const seen = new Set<string>();
  return objectList(a, 'tags', L.inputTagsPerDataset).map((t) => {
    const key = checkLength('key', required(t, 'key', 'InputTag'), L.inputTagKey);
    const value = checkLength('value', required(t, 'value', 'InputTag'), L.inputTagValue);
    if (seen.has(key)) throw invalid(`Duplicate input tag key '${key}' in one dataset input`);
    seen.add(key);
    return { key, value };
  });
}

function datasetInput(a: Args): DatasetInput {
  const d = optObject(a, 'dataset');
  if (!d) throw invalid('Dataset cannot be None');
  const schema = optString(d, 'schema') ?? null;
  const profile = optString(d, 'profile') ?? null;
  return {
    name: checkLength('name', required(d, 'name', 'Dataset'), L.datasetName),
    digest: checkLength('digest', required(d, 'digest', 'Dataset'), L.datasetDigest),
    sourceType: required(d, 'source_type', 'Dataset'),
    source: checkLength('source', required(d, 'source', 'Dataset'), L.datasetSource),
    schema: schema === null ? null : checkLength('schema', schema, L.datasetSchema),
    profile: profile === null ? null : checkLength('profile', profile, L.datasetProfile),
    tags: inputTags(a),
  };
}

/**
 * LogInputs' `datasets`, validated as MLflow does, and deduplicated by (name, digest) keeping the first, as
 * MLflow's store does. `models` (MLflow 3's LoggedModel inputs) has no counterpart here and is refused rather
 * than dropped.
 */
export function datasetInputsOf(a: Args): DatasetInput[] {
  if (optList(a, 'models', L.datasetsPerRequest).length)
    throw invalid('Model inputs (MLflow 3 LoggedModels) are not supported by this server; log datasets only');
  const all = objectList(a, 'datasets', L.datasetsPerRequest).map(datasetInput);
  const byKey = new Map<string, DatasetInput>();
  for (const i of all) {
    const k = JSON.stringify([i.name, i.digest]);
    if (!byKey.has(k)) byKey.set(k, i);
  }
  return [...byKey.values()];
}

/** A run's inputs as MLflow's RunInputs JSON (protobuf JSON: empty lists and unset fields left out). */
export function inputsJson(inputs: DatasetInput[]) {
  if (!inputs.length) return {};
  return {
    dataset_inputs: inputs.map((i) => ({
      ...(i.tags.length ? { tags: i.tags } : {}),
      dataset: {
        name: i.name,
        digest: i.digest,
        source_type: i.sourceType,
        source: i.source,
        ...(i.schema !== null ? { schema: i.schema } : {}),
        ...(i.profile !== null ? { profile: i.profile } : {}),
      },
    })),
  };
}

const MODEL_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'];

/**
 * The history entry for LogModel's `model_json`, as MLflow's server makes it: the JSON must be an object with
 * the mandatory fields; the entry is `Model.from_dict(model).get_tags_dict()`: run_id, artifact_path,
 * utc_time_created (Model() takes the server's clock when it is null or ''), model_uuid (from_dict passes None
 * when it is absent, so null) and the flavors (none: {}) without their `config`.
 */
export function modelHistoryEntry(modelJson: string, now = new Date()): Record<string, unknown> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {}
  if (!model || typeof model !== 'object' || Array.isArray(model))
    throw invalid(`Malformed model info. \n ${modelJson.slice(0, 1000)} \n is not a valid JSON.`);
  const m = model as Record<string, unknown>;
  const missing = MODEL_FIELDS.filter((f) => !(f in m));
  if (missing.length)
    throw invalid(`Model json is missing mandatory fields: {${missing.map((f) => `'${f}'`).join(', ')}}`);
  const given = m.flavors ?? {};
  if (typeof given !== 'object' || Array.isArray(given))
    throw invalid('Model json field flavors must be an object (flavor name -> its settings)');
  const flavors = Object.fromEntries(
    Object.entries(given).map(([name, conf]) => {
      if (!conf || typeof conf !== 'object' || Array.isArray(conf)) return [name, conf];
      return [name, Object.fromEntries(Object.entries(conf).filter(([k]) => k !== 'config'))];
    }),
  );
  return {
    run_id: m.run_id,
    artifact_path: m.artifact_path,
    utc_time_created: createdAt(m.utc_time_created, now),
    model_uuid: m.model_uuid ?? null,
    flavors,
  };
}

/**
 * Model() keeps `str(utc_time_created or datetime.utcnow())`: a string as sent, the server's clock (as Python's
 * str(datetime) writes it) for null or ''. Other values, which Python would write with its own str(), are refused.
 */
function createdAt(v: unknown, now: Date): string {
  if (typeof v === 'string' && v) return v;
  if (v !== null && v !== '')
    throw invalid(`Model json field utc_time_created must be a string, like '2026-12-06 10:00:00.000000'`);
  const [date, time] = now.toISOString().replace('Z', '').split('T') as [string, string];
  const [hms, ms] = time.split('.') as [string, string];
  return `${date} ${hms}${ms === '000' ? '' : `.${ms}000`}`;
}

/**
 * The history tag with `entry` appended: the JSON list it held (none: an empty one) plus the entry, written as
 * Python's json.dumps writes it. The result must fit a tag value (8,000 characters): MLflow would cut it there,
 * leaving JSON its next log-model cannot read, so Runboard refuses instead and the tag stays as it was.
 */
export function appendModelHistory(previous: string, entry: Record<string, unknown>): string {
  let list: unknown;
  try {
    list = JSON.parse(previous);
  } catch {}
  if (!Array.isArray(list))
    throw invalid(`The run's tag ${LOGGED_MODELS_TAG} does not hold a JSON list; delete it to log models again`);
  const value = pythonJson([...list, entry]);
  if (value.length > L.tagValue)
    throw invalid(
      `Tag value for '${LOGGED_MODELS_TAG}' would have length ${value.length}, which exceeds the length limit of ${L.tagValue}`,
    );
  return value;
}

/** JSON as Python's json.dumps writes it (", " and ": " separators, non-ASCII as \uXXXX), as MLflow stores it. */
export function pythonJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyString(k)}: ${pythonJson(x)}`)
      .join(', ')}}`;
  if (typeof v === 'string') return pyString(v);
  return JSON.stringify(v) ?? 'null';
}

const pyString = (s: string) =>
  JSON.stringify(s).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
