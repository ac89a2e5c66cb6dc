/**
 * Runboard's rows in MLflow's JSON (mlflow/protos/service.proto: Experiment, Run, RunInfo, RunData, Metric),
 * and MLflow's values in Runboard's model. Pure functions; the choices are documented in docs/mlflow.md.
 */
import type { LatestRow } from '../metric/store.ts';
import type { RunRow, RunStatus } from '../run/store.ts';
import { inputsJson } from './run-inputs.ts';
import type { DatasetInput } from './store.ts';

export interface Tag {
  key: string;
  value: string;
}

/** MLflow's reserved tags that Runboard keeps in its own columns. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const NOTE_TAG = 'mlflow.note.content';
export const USER_TAG = 'mlflow.user';

export type MlflowStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const MLFLOW_STATUSES: readonly MlflowStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/**
 * CRASHED (no heartbeat for HEARTBEAT_TIMEOUT_SECONDS) reads as RUNNING: MLflow clients send no heartbeats,
 * and an MLflow run stays RUNNING until end_run; the dashboard still shows CRASHED and the next metric revives it.
 */
export const STATUS_TO_MLFLOW: Record<RunStatus, MlflowStatus> = {
  QUEUED: 'SCHEDULED',
  RUNNING: 'RUNNING',
  CRASHED: 'RUNNING',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
  CANCELED: 'KILLED',
};

export const RUNBOARD_STATUSES: Record<MlflowStatus, RunStatus[]> = {
  SCHEDULED: ['QUEUED'],
  RUNNING: ['RUNNING', 'CRASHED'],
  FINISHED: ['FINISHED'],
  FAILED: ['FAILED'],
  KILLED: ['CANCELED'],
};

const ms = (d: Date | null | undefined) => (d ? d.getTime() : undefined);

/** Protobuf's JSON for doubles: NaN and the infinities as strings, since JSON has no literal for them. */
export function jsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return v;
}

/** A config value as an MLflow param (params are strings): strings as they are, anything else as JSON. */
export function paramString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * An MLflow param as a config value: a string that reads back identically as a JSON number is stored as that
 * number ("0.001" -> 0.001, so `config.lr < 1e-2` and the dashboard's numeric columns work), anything else
 * ("1e-3", "007", "True", "adam") stays a string. paramString(paramValue(s)) === s always holds.
 */
export function paramValue(s: string): string | number {
  // Plain decimals only, so PostgreSQL's text of the stored number is the same string (LIKE on params).
  if (!/^-?\d+(\.\d+)?$/.test(s)) return s;
  const n = Number(s);
  return Number.isFinite(n) && JSON.stringify(n) === s ? n : s;
}

export function artifactRoot(experimentId: string): string {
  return `mlflow-artifacts:/${experimentId}`;
}

export function runArtifactUri(run: { experimentId: string; id: string }): string {
  return `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts`;
}

export interface ExperimentRow {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export function experimentJson(e: ExperimentRow, tags: Tag[], deleted: boolean) {
  const all = [...tags.filter((t) => t.key !== NOTE_TAG)];
  if (e.description) all.push({ key: NOTE_TAG, value: e.description });
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: artifactRoot(e.id),
    lifecycle_stage: deleted ? 'deleted' : 'active',
    last_update_time: ms(e.updatedAt),
    creation_time: ms(e.createdAt),
    tags: all,
  };
}

export function runInfoJson(run: RunRow, tags: Tag[]) {
  const user = tags.find((t) => t.key === USER_TAG)?.value ?? '';
  const end = FINAL.has(run.status) ? ms(run.finishedAt) : undefined;
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: run.experimentId,
    user_id: user,
    status: STATUS_TO_MLFLOW[run.status],
    start_time: ms(run.startedAt ?? run.createdAt),
    ...(end !== undefined ? { end_time: end } : {}),
    artifact_uri: runArtifactUri(run),
    lifecycle_stage: run.archived ? 'deleted' : 'active',
  };
}

const FINAL = new Set<RunStatus>(['FINISHED', 'FAILED', 'CANCELED']);

/** A run's tags as MLflow shows them: the stored key-value tags plus run name and notes from their columns. */
export function runTags(run: RunRow, tags: Tag[]): Tag[] {
  const out = tags.filter((t) => t.key !== RUN_NAME_TAG && t.key !== NOTE_TAG);
  out.push({ key: RUN_NAME_TAG, value: run.name });
  if (run.notes) out.push({ key: NOTE_TAG, value: run.notes });
  return out;
}

export function runJson(run: RunRow, tags: Tag[], latest: LatestRow[], inputs: DatasetInput[]) {
  return {
    info: runInfoJson(run, tags),
    data: {
      metrics: latest.map((m) => ({
        key: m.key,
        value: jsonDouble(m.lastValue),
        timestamp: m.lastWallTime.getTime(),
        step: m.lastStep,
      })),
      params: Object.entries(run.config).map(([key, v]) => ({ key, value: paramString(v) })),
      tags: runTags(run, tags),
    },
    inputs: inputsJson(inputs),
  };
}
