import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { RunRow as RunRowModel } from './run/store.ts';
import type { Experiment as ExperimentModel, Artifact as ArtifactModel } from '../generated/prisma/client.ts';
import type { AgentRow as AgentRowModel } from './launch/store.ts';
import type { SweepRow as SweepRowModel } from './sweep/store.ts';
import type { LatestRow as LatestRowModel } from './metric/store.ts';
import type { Series as SeriesModel } from './metric/series.ts';
import type { Comparison as ComparisonModel } from './metric/compare.ts';
import type { RunPage as RunPageModel } from './run/list.ts';
import type { ApiKeyRow as ApiKeyRowModel } from './auth/store.ts';
import type { RunEvent as RunEventModel } from './run/live.ts';
import type { MetricsEvent as MetricsEventModel } from './metric/live.ts';
import type { Context } from './context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant as an ISO-8601 string with milliseconds, always UTC (e.g. "2026-11-28T08:00:00.000Z"). */
  DateTime: { input: Date; output: Date | string; }
  /** Any JSON value (objects for config and system info). */
  JSON: { input: unknown; output: unknown; }
  /** A metric value: a JSON number when finite, otherwise one of the strings "NaN", "Infinity", "-Infinity" (GraphQL Float cannot represent them). Accepted the same way as input. */
  MetricValue: { input: number; output: number | string; }
  /** A whole column of numbers as one JSON array, encoded like MetricValue (non-finite values as strings, null where absent). Used for long series: one scalar is far cheaper to serialise than one object per point. */
  NumberColumn: { input: Array<number | string | null>; output: Array<number | string | null>; }
};

/** A trainer agent: a process on some machine that claims queued runs and starts a trainer for each. */
export type Agent = {
  __typename?: 'Agent';
  /**
   * How many runs it holds now, of every experiment. For a key limited to experiments, `runs` lists only
   * runs of those; the others show only in this count.
   */
  activeRunCount: Scalars['Int']['output'];
  /** How many runs it runs at once. */
  concurrency: Scalars['Int']['output'];
  /** The programs it runs, by name; it claims only runs launched for one of them. */
  entryPoints: Array<EntryPoint>;
  /** GPU indices it hands out, one per run. */
  gpus: Array<Scalars['String']['output']>;
  /** Host name of its machine. */
  host: Scalars['String']['output'];
  /** Chosen by the agent at start (UUID). */
  id: Scalars['ID']['output'];
  /**
   * What it reported at registration: node, platform, cpus, and what runs launched on it can use:
   * dataRoots (folders relative data paths resolve under), datasets ([{name, cached}], the named data
   * sets it can fetch or has cached) and folders (names under a data root holding a train/ folder).
   */
  info: Scalars['JSON']['output'];
  /** What it offers (e.g. gpu, a100). */
  labels: Array<Scalars['String']['output']>;
  /** When the server last heard from it. */
  lastSeenAt: Scalars['DateTime']['output'];
  /** Display name. */
  name: Scalars['String']['output'];
  /** Whether it renewed its leases recently. */
  online: Scalars['Boolean']['output'];
  /** Runs it is running now (for a key limited to experiments: only runs of those). */
  runs: Array<Run>;
  /** When it started. */
  startedAt: Scalars['DateTime']['output'];
};

/** An API key. The key itself is shown once, by createApiKey; the server keeps only its sha256. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  /** Experiment ids or names the key is limited to; null: every experiment. */
  experiments?: Maybe<Array<Scalars['String']['output']>>;
  id: Scalars['ID']['output'];
  /** When the key was last used (recorded at most about once a minute), or null when never. */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  /** A label for people, e.g. "ci" or "gpu-box-3 agent". */
  name: Scalars['String']['output'];
  /** The key's first characters (rb_<prefix>_...), to tell keys apart without revealing them. */
  prefix: Scalars['String']['output'];
  /** When the key was revoked, or null while it works. */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  scopes: Array<ApiKeyScope>;
};

/** What an API key may do. ADMIN includes every other scope; AGENT includes LOG (an agent's trainers use its key). */
export type ApiKeyScope =
  /** Everything, including API keys and deletes. */
  | 'ADMIN'
  /** The agent protocol: register, claim, renew leases, report exits, append run logs. */
  | 'AGENT'
  /** Launch and cancel runs and sweeps. */
  | 'LAUNCH'
  /** What a trainer does: create, start, update and finish runs, log metrics, heartbeats, artifacts. */
  | 'LOG'
  /** Read experiments, runs, metrics, logs, agents and the queue; subscribe to live updates. */
  | 'READ';

/**
 * A file or model produced by a run. Files uploaded with `PUT /artifacts/<runId>/<name>` are stored on
 * the server's disk (uri `runboard-artifact:<id>`, downloadable at `/artifacts/<id>`); files kept
 * elsewhere (s3://, file://) are recorded with registerArtifact.
 */
export type Artifact = {
  __typename?: 'Artifact';
  /** When it was recorded. */
  createdAt: Scalars['DateTime']['output'];
  /** Download path on this server for stored files; null for external URIs. */
  downloadPath?: Maybe<Scalars['String']['output']>;
  /** Stable identifier (UUID). */
  id: Scalars['ID']['output'];
  /** What it is: model, checkpoint, dataset, image, file, ... */
  kind: Scalars['String']['output'];
  /** Free-form JSON metadata. */
  metadata: Scalars['JSON']['output'];
  /** Name, unique within the run (e.g. `model/model.json`). */
  name: Scalars['String']['output'];
  /** The run that produced it. */
  runId: Scalars['ID']['output'];
  /** SHA-256 of the content, hex. */
  sha256: Scalars['String']['output'];
  /** Size in bytes. */
  size: Scalars['Float']['output'];
  /** Where it lives. */
  uri: Scalars['String']['output'];
};

/** Changes applied to each of several runs at once (updateRuns); omitted fields stay as they are. */
export type BulkRunUpdateInput = {
  /** Tags added to each run (a tag it already carries is kept once). */
  addTags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Archive (true) or unarchive (false) the runs. */
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  /** Tags removed from each run. */
  removeTags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** One flattened config key across the compared runs. */
export type ConfigRow = {
  __typename?: 'ConfigRow';
  /** Whether the values are not all equal. */
  differs: Scalars['Boolean']['output'];
  /** Dotted path into config. */
  path: Scalars['String']['output'];
  /** The value in each run, aligned with RunComparison.runs (null where absent). */
  values: Array<Maybe<Scalars['JSON']['output']>>;
};

export type CreateApiKeyInput = {
  /** Limit the key to these experiments (ids or names; a name also covers an experiment created later with it). */
  experiments?: InputMaybe<Array<Scalars['String']['input']>>;
  name: Scalars['String']['input'];
  /** At least one scope. */
  scopes: Array<ApiKeyScope>;
};

/** Fields of a new experiment. */
export type CreateExperimentInput = {
  /** Description, up to 10,000 characters. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Unique name, 1..200 characters. */
  name: Scalars['String']['input'];
  /** Up to 100 tags of 1..64 characters. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Fields of a new run. */
export type CreateRunInput = {
  /** Hyperparameters: a JSON object of at most 1 MB (default {}). */
  config?: InputMaybe<Scalars['JSON']['input']>;
  /** The experiment, by id. */
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  /** The experiment, by name; created when it does not exist yet (like W&B projects). */
  experimentName?: InputMaybe<Scalars['String']['input']>;
  /** Display name; default `run-<n>` numbered within the experiment. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Free-form notes. */
  notes?: InputMaybe<Scalars['String']['input']>;
  /** Host, engines, versions: a JSON object (default {}). */
  systemInfo?: InputMaybe<Scalars['JSON']['input']>;
  /** Labels. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** A new key. `key` is shown only here: store it now, it cannot be read again. */
export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  key: Scalars['String']['output'];
};

/**
 * A program an agent runs for launched runs, registered by the agent (`--entry-point name="command args"`).
 * The built-in VGG16 trainer is `vgg16`.
 */
export type EntryPoint = {
  __typename?: 'EntryPoint';
  /** True for the built-in trainer, whose config follows Query.trainerConfigSchema; others take any JSON object. */
  builtin: Scalars['Boolean']['output'];
  /** The program and its arguments as the agent starts them (for display: the agent runs its own copy). */
  command: Array<Scalars['String']['output']>;
  /** The name launches use (LaunchRunInput.entryPoint). */
  name: Scalars['String']['output'];
};

/** An entry point an agent declares at registration. */
export type EntryPointInput = {
  /** The program and its arguments (at most 256 words of 4096 characters); may be empty for the built-in trainer. */
  command: Array<Scalars['String']['input']>;
  /** Letters, digits, _ and - (1..64). */
  name: Scalars['String']['input'];
};

/**
 * An experiment groups the runs that answer one question (e.g. "cats-vs-dogs"), like a W&B project
 * or an MLflow experiment. Names are unique.
 */
export type Experiment = {
  __typename?: 'Experiment';
  /**
   * The distinct config paths of the experiment's runs, flattened and dotted (`augmentation.flip`),
   * alphabetical, at most 2,000: what `config.<path>` in a filter can name. Metric keys: Query.metricKeys.
   */
  configKeys: Array<Scalars['String']['output']>;
  /** When the experiment was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Free text describing the question the experiment asks. */
  description: Scalars['String']['output'];
  /** Stable identifier (UUID). */
  id: Scalars['ID']['output'];
  /** The most recent time any run of this experiment changed or logged, or null when it has no runs. */
  lastActivityAt?: Maybe<Scalars['DateTime']['output']>;
  /** Unique, human-chosen name. */
  name: Scalars['String']['output'];
  /** Total number of runs. */
  runCount: Scalars['Int']['output'];
  /** How many runs the experiment has in each status; statuses with no runs are omitted. */
  runCounts: Array<RunStatusCount>;
  /** The experiment's runs; same arguments as Query.runs without the experiment part of the filter. */
  runs: RunConnection;
  /** Labels for grouping and search. */
  tags: Array<Scalars['String']['output']>;
  /** When the experiment itself (not its runs) last changed. */
  updatedAt: Scalars['DateTime']['output'];
};


/**
 * An experiment groups the runs that answer one question (e.g. "cats-vs-dogs"), like a W&B project
 * or an MLflow experiment. Names are unique.
 */
export type ExperimentRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<RunOrder>>;
  status?: InputMaybe<Array<RunStatus>>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  where?: InputMaybe<Scalars['String']['input']>;
};

/** One change to one experiment. */
export type ExperimentChange = {
  __typename?: 'ExperimentChange';
  /** The experiment as it is now; null once deleted, and for RESYNC. */
  experiment?: Maybe<Experiment>;
  /** The experiment; null for RESYNC. */
  experimentId?: Maybe<Scalars['ID']['output']>;
  /** What happened. */
  kind: ExperimentChangeKind;
};

/** What happened to an experiment (experimentsChanged). */
export type ExperimentChangeKind =
  /** The experiment was created (by createExperiment, or by a run naming a new experiment). */
  | 'CREATED'
  /** It was deleted, with its runs. */
  | 'DELETED'
  /**
   * Changes may have been missed (the server lost its database connection for a while), or the subscriber asked
   * for `startWithResync`: read the list again.
   */
  | 'RESYNC'
  /** One of its runs was created, changed status (or was edited) or was deleted: its counts and last activity moved. */
  | 'RUNS_CHANGED'
  /** Its name, description or tags changed. */
  | 'UPDATED';

/** How a run ended, as reported by its trainer. */
export type FinalRunStatus =
  /** Stopped on request. */
  | 'CANCELED'
  /** Ended with an error. */
  | 'FAILED'
  /** Ended normally. */
  | 'FINISHED';

/** Fields of a run to launch through the queue. */
export type LaunchRunInput = {
  /**
   * The run's configuration. For the built-in trainer it is validated against the trainer's own schema
   * (Query.trainerConfigSchema): unknown or ill-typed fields are rejected with BAD_USER_INPUT and nothing is
   * queued; it is stored with defaults filled in, `experiment` comes from the launch and `server` and
   * `apiKey` are the agent's. For any other entry point it is any JSON object, stored and handed to the
   * program as it is (a JSON file named by RUNBOARD_CONFIG).
   */
  config: Scalars['JSON']['input'];
  /**
   * The agent entry point to run (see Agent.entryPoints): default `vgg16`, the built-in trainer. Letters,
   * digits, _ and - (1..64). Only an agent that registered this name claims the run; the program it starts is
   * the agent's own (no request can name a command). While no online agent has it, the run stays QUEUED
   * (RunLaunch.waitingReason says so).
   */
  entryPoint?: InputMaybe<Scalars['String']['input']>;
  /** The experiment, by id. */
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  /** The experiment, by name; created when it does not exist yet (as createRun does), once the launch is valid. */
  experimentName?: InputMaybe<Scalars['String']['input']>;
  /** Only agents carrying every one of these labels may run it (e.g. ["gpu"]). */
  labels?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Display name; default `run-<n>`. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Notes. */
  notes?: InputMaybe<Scalars['String']['input']>;
  /** Higher runs first. Default 0. */
  priority?: InputMaybe<Scalars['Int']['input']>;
  /** How many times the run is requeued if its agent dies (stops renewing its lease); then it is CRASHED. Default 0. */
  retries?: InputMaybe<Scalars['Int']['input']>;
  /** Labels. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** A sweep to launch. */
export type LaunchSweepInput = {
  /**
   * Config shared by every run: for the built-in trainer a trainer config (see Query.trainerConfigSchema), for
   * another entry point any JSON object. Each run's config is this with its point of the space applied.
   */
  baseConfig: Scalars['JSON']['input'];
  /** The agent entry point every run uses, as LaunchRunInput.entryPoint (default `vgg16`, the built-in trainer). */
  entryPoint?: InputMaybe<Scalars['String']['input']>;
  /** The experiment, by id. */
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  /** The experiment, by name; created when it does not exist yet, once the sweep is valid. */
  experimentName?: InputMaybe<Scalars['String']['input']>;
  /** Whether the metric is minimised or maximised. */
  goal: MetricGoal;
  /** Agent labels every run needs. */
  labels?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Most runs to create (1..1000). */
  maxRuns: Scalars['Int']['input'];
  /** GRID or RANDOM. */
  method: SweepMethod;
  /** The metric that ranks runs, e.g. val_acc. */
  metric: Scalars['String']['input'];
  /** Name; default sweep-<id prefix>. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Most runs at once (1..256). */
  parallelism: Scalars['Int']['input'];
  /** Requeues per run when an agent dies. */
  retries?: InputMaybe<Scalars['Int']['input']>;
  /** Seed for RANDOM draws. */
  seed?: InputMaybe<Scalars['Int']['input']>;
  /**
   * Parameters to vary, keyed by config path: `{"lr": {"values": [1e-5, 2e-5]}, "units": [128, 256],
   * "dropout": {"min": 0, "max": 0.5}, "lr": {"min": 1e-6, "max": 1e-3, "distribution": "log_uniform"}}`.
   */
  space: Scalars['JSON']['input'];
  /** Which value of the metric summarises a run: LAST (default; what the saved model scored) or BEST over epochs. */
  summary?: InputMaybe<SweepSummary>;
};

/** Answer to a lease renewal. */
export type LeaseRenewal = {
  __typename?: 'LeaseRenewal';
  /** Runs whose cancel was requested: send the trainer SIGTERM. */
  cancel: Array<Scalars['ID']['output']>;
  /**
   * Runs that reached a final state while this agent held them (their trainer finished, failed or cancelled
   * them): the trainer is exiting by itself. Stop it only if it is still running a grace period later.
   */
  ended: Array<Scalars['ID']['output']>;
  /** Runs this agent no longer holds (lease expired, run requeued elsewhere): stop them. */
  lost: Array<Scalars['ID']['output']>;
};

/** New log lines of a run. */
export type LogEvent = {
  __typename?: 'LogEvent';
  /** The lines, in order. */
  lines: Array<LogLine>;
  /** The run. */
  runId: Scalars['ID']['output'];
};

/** One line of trainer output. */
export type LogLine = {
  __typename?: 'LogLine';
  /** Line number within the run, from 1, without gaps. */
  line: Scalars['Int']['output'];
  /** Stream. */
  stream: LogStream;
  /** The text (up to 16 KiB). */
  text: Scalars['String']['output'];
  /** When the agent read it. */
  time: Scalars['DateTime']['output'];
};

/** A log line sent by an agent. */
export type LogLineInput = {
  /** Stream. */
  stream: LogStream;
  /** Text without the newline. */
  text: Scalars['String']['input'];
  /** When it was read; default now. */
  time?: InputMaybe<Scalars['DateTime']['input']>;
};

/** What logMetrics stored. */
export type LogMetricsResult = {
  __typename?: 'LogMetricsResult';
  /** Number of distinct (key, step) points written (later duplicates in one batch win). */
  accepted: Scalars['Int']['output'];
  /** The run. */
  runId: Scalars['ID']['output'];
  /** Sequence number of this batch's event. */
  seq: Scalars['Int']['output'];
};

/** A page of log lines. */
export type LogPage = {
  __typename?: 'LogPage';
  /** Whether more lines follow. */
  hasMore: Scalars['Boolean']['output'];
  /** Lines in order. */
  lines: Array<LogLine>;
};

/** Which output stream a log line came from. */
export type LogStream =
  /** Standard error. */
  | 'STDERR'
  /** Standard output. */
  | 'STDOUT';

/**
 * A metric batch as parallel arrays (index i is one point): the same points as MetricPointInput objects, much
 * cheaper to send and to validate for large batches (a trainer flushing a journal, an import).
 */
export type MetricColumnsInput = {
  /** Metric name of each point. */
  keys: Array<Scalars['String']['input']>;
  /** Step of each point. */
  steps: Array<Scalars['Int']['input']>;
  /** Value of each point. */
  values: Array<Scalars['MetricValue']['input']>;
  /** Wall time of each point (optional; default: when the server received it). */
  wallTimes?: InputMaybe<Array<Scalars['DateTime']['input']>>;
};

/** One metric across the compared runs. */
export type MetricComparison = {
  __typename?: 'MetricComparison';
  /** Id of the run with the best value; null when none logged this key or the metric has no goal. */
  bestRunId?: Maybe<Scalars['ID']['output']>;
  /**
   * The goal used for `best`, unless overridden inferred from the name: loss/error/mse/mae/perplexity/time
   * minimise, acc/auc/precision/recall/f1/score/throughput maximise. Null for other names (lr, phase, ...):
   * such metrics are not ranked (best and bestRunId null) unless a goal is given in `goals`.
   */
  goal?: Maybe<MetricGoal>;
  /** Metric name. */
  key: Scalars['String']['output'];
  /** Each run's result, aligned with RunComparison.runs. */
  results: Array<RunMetricResult>;
};

/** Whether smaller or larger is better for a metric. */
export type MetricGoal =
  /** Larger is better (accuracies, scores). */
  | 'MAXIMIZE'
  /** Smaller is better (losses, errors). */
  | 'MINIMIZE';

/** Override of the goal the server infers from a metric's name. */
export type MetricGoalInput = {
  /** Its goal. */
  goal: MetricGoal;
  /** Metric name. */
  key: Scalars['String']['input'];
};

/** One logged metric value. */
export type MetricPoint = {
  __typename?: 'MetricPoint';
  /** Metric name, e.g. `val_acc`. */
  key: Scalars['String']['output'];
  /** Step (epoch or iteration) the value belongs to. */
  step: Scalars['Int']['output'];
  /** The value; non-finite values are strings, see MetricValue. */
  value: Scalars['MetricValue']['output'];
  /** When it was measured (trainer clock). */
  wallTime: Scalars['DateTime']['output'];
};

/** A metric value to log. */
export type MetricPointInput = {
  /** Metric name: 1..250 characters, no control characters. */
  key: Scalars['String']['input'];
  /** Step, 0..2147483647. Logging the same (run, key, step) again replaces the value. */
  step: Scalars['Int']['input'];
  /** The value; NaN and infinities as the strings of MetricValue. */
  value: Scalars['MetricValue']['input'];
  /** When it was measured; default: when the server received it. */
  wallTime?: InputMaybe<Scalars['DateTime']['input']>;
};

/**
 * One metric of one run as a drawable series. Raw points when the series has at most maxPoints of them;
 * otherwise buckets of consecutive steps, each carrying its min, max and last value so spikes survive.
 * Series up to 8x maxPoints long are bucketed from history (close to maxPoints buckets) unless the request
 * would read more than 100,000 raw points that way; then, like longer series, they come from the stored
 * rollups (buckets of 16, 32, ... steps; the finest level with at most maxPoints buckets).
 * Points are available as objects (`points`) or, much cheaper for long series, as columns (`columns`).
 */
export type MetricSeries = {
  __typename?: 'MetricSeries';
  /** Steps per bucket (1 for raw points). */
  bucketSize: Scalars['Int']['output'];
  /** The same points as parallel columns. */
  columns: SeriesColumns;
  /** Whether the points are buckets rather than raw values. */
  downsampled: Scalars['Boolean']['output'];
  /** The metric. */
  key: Scalars['String']['output'];
  /** The points in ascending step order. */
  points: Array<SeriesPoint>;
  /** The run. */
  runId: Scalars['ID']['output'];
  /** Number of raw points in the whole series. */
  totalPoints: Scalars['Int']['output'];
};

/** Latest value and extremes of one metric of one run. */
export type MetricSummary = {
  __typename?: 'MetricSummary';
  /** Number of points logged. */
  count: Scalars['Int']['output'];
  /** Smallest step logged. */
  firstStep: Scalars['Int']['output'];
  /** Metric name. */
  key: Scalars['String']['output'];
  /** Largest step logged. */
  lastStep: Scalars['Int']['output'];
  /** Value at lastStep. */
  lastValue: Scalars['MetricValue']['output'];
  /** Wall time of lastStep. */
  lastWallTime: Scalars['DateTime']['output'];
  /** Largest value, NaN ignored; null while every value is NaN. */
  max?: Maybe<Scalars['MetricValue']['output']>;
  /** First step at which max was reached. */
  maxStep?: Maybe<Scalars['Int']['output']>;
  /** Smallest value, NaN ignored; null while every value is NaN. */
  min?: Maybe<Scalars['MetricValue']['output']>;
  /** First step at which min was reached. */
  minStep?: Maybe<Scalars['Int']['output']>;
};

/** Points logged in one logMetrics request, delivered to subscribers. */
export type MetricsEvent = {
  __typename?: 'MetricsEvent';
  /** The points (only the subscribed keys). */
  points: Array<MetricPoint>;
  /** The run. */
  runId: Scalars['ID']['output'];
  /** The run's sequence number of this batch; pass the last one you saw as `since` to resume. */
  seq: Scalars['Int']['output'];
};

/** Create and change experiments, runs and metrics. */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Agent protocol: append trainer output lines; returns the number of the last line. Only for a run held by an
   * agent of the calling key (or by ADMIN); otherwise FORBIDDEN.
   */
  appendRunLogs: Scalars['Int']['output'];
  /**
   * Cancels a run: a QUEUED run leaves the queue and is CANCELED at once; a running one is stopped by its agent
   * (SIGTERM, then SIGKILL after a grace period) and ends CANCELED. Cancelling a CANCELED run again is a no-op
   * (safe to retry); FINISHED and FAILED runs give INVALID_STATE_TRANSITION.
   */
  cancelRun: Run;
  /**
   * Cancels a sweep: its QUEUED runs leave the queue at once (CANCELED) and its RUNNING ones are asked to
   * stop (their agents cancel them), exactly as cancelRun does run by run. Runs that already ended are
   * left alone, so calling it again is harmless. NOT_FOUND for an unknown sweep.
   */
  cancelSweep: Sweep;
  /** Agent protocol: take up to `max` queued runs the agent's labels allow, each with a lease. */
  claimRuns: Array<RunAssignment>;
  /** Creates an API key and returns it once. Creating the first key turns authentication on. */
  createApiKey: CreatedApiKey;
  /** Creates an experiment. Fails with ALREADY_EXISTS when the name is taken. */
  createExperiment: Experiment;
  /** Registers a run (what a trainer does first). It starts QUEUED; call startRun when training begins. */
  createRun: Run;
  /** Deletes an artifact record (and its stored file). Returns the id. */
  deleteArtifact: Scalars['ID']['output'];
  /** Deletes an experiment with all its runs, metrics and artifact records. Returns the id. */
  deleteExperiment: Scalars['ID']['output'];
  /** Deletes a run with its metrics and artifact records. Returns the id. */
  deleteRun: Scalars['ID']['output'];
  /**
   * Deletes 1..1000 runs with their metrics and artifact records in one transaction: all or none
   * (NOT_FOUND names a missing id). Returns the ids.
   */
  deleteRuns: Array<Scalars['ID']['output']>;
  /** Deletes a saved view. Returns the id; NOT_FOUND when it does not exist. */
  deleteView: Scalars['ID']['output'];
  /** Ends a run with a final status, its exit code and error message. Repeating it with the status the run already has is a no-op returning the run (safe to retry, also concurrently); another final status gives INVALID_STATE_TRANSITION. */
  finishRun: Run;
  /** Tells the server the run is alive. A CRASHED run comes back to RUNNING. Returns the run, so a trainer can see a CANCELED status. */
  heartbeat: Run;
  /** Validates the config and queues a run for an agent. Fails with BAD_USER_INPUT (listing every problem) and queues nothing when the config is wrong. */
  launchRun: Run;
  /** Creates and queues every run of a sweep in one transaction; any invalid generated config rejects the whole sweep. */
  launchSweep: Sweep;
  /**
   * Logs a batch of points (any size) in one transaction. Idempotent: a retried batch rewrites the same rows.
   * The run must be RUNNING (a CRASHED run is revived); counts as a heartbeat.
   */
  logMetrics: LogMetricsResult;
  /**
   * Agent protocol: announce an agent (idempotent). The agent belongs to the calling key: only that key (or ADMIN)
   * may re-register it or call claimRuns, renewLeases and reportRunExit for it; others get FORBIDDEN.
   */
  registerAgent: Agent;
  /** Records an artifact stored elsewhere. Re-registering a name replaces the record. */
  registerArtifact: Artifact;
  /** Agent protocol: renew the leases of the agent's runs. */
  renewLeases: LeaseRenewal;
  /** Agent protocol: a trainer process ended; ends the run if the trainer did not. */
  reportRunExit: Run;
  /** Revokes a key at once (by id). Returns the key's record. */
  revokeApiKey: ApiKey;
  /** Saves a view; a view of the same name in the same experiment is replaced (same id). */
  saveView: SavedView;
  /** Marks a QUEUED (or CRASHED) run RUNNING and records where it runs; systemInfo is merged in. */
  startRun: Run;
  /** Removes every point with step > afterStep, e.g. for a run resumed from a checkpoint. */
  truncateMetrics: TruncateMetricsResult;
  /** Renames or re-describes an experiment. */
  updateExperiment: Experiment;
  /** Changes a run's name, tags or notes. */
  updateRun: Run;
  /**
   * Applies the same change to 1..1000 runs in one transaction: all of them change or none does
   * (NOT_FOUND names a missing id). Each changed run gets a runChanged event. Returns the runs.
   */
  updateRuns: Array<Run>;
};


/** Create and change experiments, runs and metrics. */
export type MutationAppendRunLogsArgs = {
  lines: Array<LogLineInput>;
  runId: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationCancelRunArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationCancelSweepArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationClaimRunsArgs = {
  agentId: Scalars['ID']['input'];
  max: Scalars['Int']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationCreateExperimentArgs = {
  input: CreateExperimentInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationCreateRunArgs = {
  input: CreateRunInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationDeleteArtifactArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationDeleteExperimentArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationDeleteRunArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationDeleteRunsArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** Create and change experiments, runs and metrics. */
export type MutationDeleteViewArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationFinishRunArgs = {
  error?: InputMaybe<Scalars['String']['input']>;
  exitCode?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  status: FinalRunStatus;
};


/** Create and change experiments, runs and metrics. */
export type MutationHeartbeatArgs = {
  runId: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationLaunchRunArgs = {
  input: LaunchRunInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationLaunchSweepArgs = {
  input: LaunchSweepInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationLogMetricsArgs = {
  columns?: InputMaybe<MetricColumnsInput>;
  points?: InputMaybe<Array<MetricPointInput>>;
  runId: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationRegisterAgentArgs = {
  input: RegisterAgentInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationRegisterArtifactArgs = {
  input: RegisterArtifactInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationRenewLeasesArgs = {
  agentId: Scalars['ID']['input'];
  runIds: Array<Scalars['ID']['input']>;
};


/** Create and change experiments, runs and metrics. */
export type MutationReportRunExitArgs = {
  agentId: Scalars['ID']['input'];
  error?: InputMaybe<Scalars['String']['input']>;
  exitCode?: InputMaybe<Scalars['Int']['input']>;
  runId: Scalars['ID']['input'];
  signal?: InputMaybe<Scalars['String']['input']>;
};


/** Create and change experiments, runs and metrics. */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationSaveViewArgs = {
  input: SaveViewInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationStartRunArgs = {
  id: Scalars['ID']['input'];
  systemInfo?: InputMaybe<Scalars['JSON']['input']>;
};


/** Create and change experiments, runs and metrics. */
export type MutationTruncateMetricsArgs = {
  afterStep: Scalars['Int']['input'];
  runId: Scalars['ID']['input'];
};


/** Create and change experiments, runs and metrics. */
export type MutationUpdateExperimentArgs = {
  id: Scalars['ID']['input'];
  input: UpdateExperimentInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationUpdateRunArgs = {
  id: Scalars['ID']['input'];
  input: UpdateRunInput;
};


/** Create and change experiments, runs and metrics. */
export type MutationUpdateRunsArgs = {
  ids: Array<Scalars['ID']['input']>;
  input: BulkRunUpdateInput;
};

/** Cursor pagination state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last run of this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether more runs follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** Read experiments, runs and metrics. */
export type Query = {
  __typename?: 'Query';
  /** Agents, most recently seen first. */
  agents: Array<Agent>;
  /** Every API key (without the keys themselves); revoked ones too with includeRevoked. */
  apiKeys: Array<ApiKey>;
  /** Config differences and final/best metric values of any number of runs. */
  compareRuns: RunComparison;
  /** One experiment by id or by name (give exactly one); null when it does not exist. */
  experiment?: Maybe<Experiment>;
  /** Experiments, most recently active first. */
  experiments: Array<Experiment>;
  /** Metric keys logged by the given runs or by any run of the experiment, sorted. */
  metricKeys: Array<Scalars['String']['output']>;
  /**
   * Series for every (run, key) pair, downsampled on the server to at most maxPoints points each.
   * Pairs never logged are omitted. Any number of runs, as long as runs x keys x maxPoints (over all
   * metricSeries fields of a request) stays within 1,000,000 points; beyond that: QUERY_TOO_COMPLEX.
   */
  metricSeries: Array<MetricSeries>;
  /** How many runs wait and run, and how many agents are online. */
  queueStatus: QueueStatus;
  /** One run by id; null when it does not exist. */
  run?: Maybe<Run>;
  /** Runs matching a filter, in the requested order, one page at a time. */
  runs: RunConnection;
  /** One saved view, or null when it does not exist. */
  savedView?: Maybe<SavedView>;
  /** The saved views of an experiment, by name. NOT_FOUND when the experiment does not exist. */
  savedViews: Array<SavedView>;
  /** One sweep; null when unknown. */
  sweep?: Maybe<Sweep>;
  /** Sweeps, newest first, optionally of one experiment. */
  sweeps: Array<Sweep>;
  /** The JSON Schema of a trainer config (what launchRun validates against). */
  trainerConfigSchema: Scalars['JSON']['output'];
  /** The caller's identity and scopes. Needs no key. */
  viewer: Viewer;
};


/** Read experiments, runs and metrics. */
export type QueryApiKeysArgs = {
  includeRevoked?: InputMaybe<Scalars['Boolean']['input']>;
};


/** Read experiments, runs and metrics. */
export type QueryCompareRunsArgs = {
  goals?: InputMaybe<Array<MetricGoalInput>>;
  keys?: InputMaybe<Array<Scalars['String']['input']>>;
  runIds: Array<Scalars['ID']['input']>;
};


/** Read experiments, runs and metrics. */
export type QueryExperimentArgs = {
  id?: InputMaybe<Scalars['ID']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
};


/** Read experiments, runs and metrics. */
export type QueryExperimentsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/** Read experiments, runs and metrics. */
export type QueryMetricKeysArgs = {
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  runIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};


/** Read experiments, runs and metrics. */
export type QueryMetricSeriesArgs = {
  keys: Array<Scalars['String']['input']>;
  maxPoints?: InputMaybe<Scalars['Int']['input']>;
  runIds: Array<Scalars['ID']['input']>;
};


/** Read experiments, runs and metrics. */
export type QueryRunArgs = {
  id: Scalars['ID']['input'];
};


/** Read experiments, runs and metrics. */
export type QueryRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<RunFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<RunOrder>>;
};


/** Read experiments, runs and metrics. */
export type QuerySavedViewArgs = {
  id: Scalars['ID']['input'];
};


/** Read experiments, runs and metrics. */
export type QuerySavedViewsArgs = {
  experimentId: Scalars['ID']['input'];
};


/** Read experiments, runs and metrics. */
export type QuerySweepArgs = {
  id: Scalars['ID']['input'];
};


/** Read experiments, runs and metrics. */
export type QuerySweepsArgs = {
  experimentId?: InputMaybe<Scalars['ID']['input']>;
};

/** Queue state. */
export type QueueStatus = {
  __typename?: 'QueueStatus';
  /** Agents online now. */
  agentsOnline: Scalars['Int']['output'];
  /** Runs waiting for an agent. */
  queued: Scalars['Int']['output'];
  /** Runs handed to agents and not ended. */
  running: Scalars['Int']['output'];
};

/** What an agent tells the server about itself. */
export type RegisterAgentInput = {
  /** Runs at once. */
  concurrency: Scalars['Int']['input'];
  /** Its entry points (at most 100); default: the built-in trainer alone. */
  entryPoints?: InputMaybe<Array<EntryPointInput>>;
  /** GPU indices. */
  gpus?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Host name. */
  host: Scalars['String']['input'];
  /** A UUID the agent generates once per process. */
  id: Scalars['ID']['input'];
  /** Free-form details (versions, engines). */
  info?: InputMaybe<Scalars['JSON']['input']>;
  /** Labels it offers. */
  labels?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Display name. */
  name: Scalars['String']['input'];
};

/** An artifact stored outside this server. */
export type RegisterArtifactInput = {
  /** What it is (default `file`). */
  kind?: InputMaybe<Scalars['String']['input']>;
  /** Free-form JSON metadata. */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** Name, unique within the run. */
  name: Scalars['String']['input'];
  /** The run. */
  runId: Scalars['ID']['input'];
  /** SHA-256 of the content, 64 hex characters. */
  sha256: Scalars['String']['input'];
  /** Size in bytes. */
  size: Scalars['Float']['input'];
  /** Where it lives. */
  uri: Scalars['String']['input'];
};

/** One training run: its configuration, lifecycle and metrics. */
export type Run = {
  __typename?: 'Run';
  /** Archived runs are left out of run lists unless asked for (RunFilter.archived); nothing else changes. */
  archived: Scalars['Boolean']['output'];
  /** Files and models recorded for the run. */
  artifacts: Array<Artifact>;
  /** Whether a cancel was requested (trainers registered without an agent should stop when this is true). */
  cancelRequested: Scalars['Boolean']['output'];
  /** Hyperparameters, as given at creation (JSON object). */
  config: Scalars['JSON']['output'];
  /** When the run was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** Error reported by finishRun, or why the server marked the run CRASHED. */
  errorMessage?: Maybe<Scalars['String']['output']>;
  /**
   * The first line of errorMessage, at most 300 characters: what a table of runs shows (a whole message
   * can be a stack trace). A run the trainer's non-finite guard stopped starts with its cause
   * ("loss became NaN at epoch 2, batch 14", "training diverged at epoch 1: ...").
   */
  errorSummary?: Maybe<Scalars['String']['output']>;
  /** Process exit code reported by finishRun. */
  exitCode?: Maybe<Scalars['Int']['output']>;
  /** The experiment the run belongs to. */
  experiment: Experiment;
  /** Id of the experiment the run belongs to. */
  experimentId: Scalars['ID']['output'];
  /** When the run reached a final status (or CRASHED). */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Raw history of one metric, by ascending step. */
  history: Array<MetricPoint>;
  /** Stable identifier (UUID). */
  id: Scalars['ID']['output'];
  /** Last heartbeat, metric batch or start. */
  lastHeartbeatAt?: Maybe<Scalars['DateTime']['output']>;
  /** Queue details, for runs started with launchRun or launchSweep. */
  launch?: Maybe<RunLaunch>;
  /** Trainer output, by line number. */
  logs: LogPage;
  /** Summary of one metric key, or null when it was never logged. */
  metric?: Maybe<MetricSummary>;
  /**
   * Latest value, extremes and count for every metric key (never scans history). With `keys`, only
   * those (a table showing 2 of a run's 1,500 metrics asks for 2). Without `keys`, the run's key count
   * times the fields selected is charged against MAX_QUERY_COST before anything is read (QUERY_TOO_COMPLEX
   * when a run has more keys than the request can afford: name the keys, or use `metricKeys`).
   */
  metrics: Array<MetricSummary>;
  /** Display name, unique only by convention. */
  name: Scalars['String']['output'];
  /** Free-form notes (Markdown). */
  notes: Scalars['String']['output'];
  /** The run's event sequence number: the seq of its latest event (state change or metric batch). */
  seq: Scalars['Int']['output'];
  /** When startRun was called. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Where the run is in its lifecycle. */
  status: RunStatus;
  /** Where and how the run executes: host, engines/backends, library versions (JSON object). */
  systemInfo: Scalars['JSON']['output'];
  /** Labels. */
  tags: Array<Scalars['String']['output']>;
  /** When the run last changed in any way. */
  updatedAt: Scalars['DateTime']['output'];
  /**
   * Flattened config paths (`augmentation.flip`) the launch was given; the rest of `config` are the
   * trainer's defaults filled in by launchRun/launchSweep. Null for runs made with createRun, whose whole
   * config was given. The dashboard's default columns are the given keys that vary.
   */
  userConfigKeys?: Maybe<Array<Scalars['String']['output']>>;
};


/** One training run: its configuration, lifecycle and metrics. */
export type RunHistoryArgs = {
  afterStep?: InputMaybe<Scalars['Int']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  key: Scalars['String']['input'];
};


/** One training run: its configuration, lifecycle and metrics. */
export type RunLogsArgs = {
  after?: InputMaybe<Scalars['Int']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** One training run: its configuration, lifecycle and metrics. */
export type RunMetricArgs = {
  key: Scalars['String']['input'];
};


/** One training run: its configuration, lifecycle and metrics. */
export type RunMetricsArgs = {
  keys?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** A run handed to an agent. */
export type RunAssignment = {
  __typename?: 'RunAssignment';
  /** The attempt number the lease is for. */
  attempt: Scalars['Int']['output'];
  /** Renew the lease more often than this (every leaseSeconds / 4 is what agents do). */
  leaseSeconds: Scalars['Int']['output'];
  /** The run (QUEUED until its trainer calls startRun). */
  run: Run;
};

/** Runs side by side: configuration differences and each run's final and best values. */
export type RunComparison = {
  __typename?: 'RunComparison';
  /** Flattened config keys (`optimizer.lr`) with one value per run; see `differs`. */
  config: Array<ConfigRow>;
  /** One entry per metric key logged by any of the runs. */
  metrics: Array<MetricComparison>;
  /** The compared runs, in the order asked for. */
  runs: Array<Run>;
};


/** Runs side by side: configuration differences and each run's final and best values. */
export type RunComparisonConfigArgs = {
  differencesOnly?: InputMaybe<Scalars['Boolean']['input']>;
};

/** A page of runs. */
export type RunConnection = {
  __typename?: 'RunConnection';
  /** The runs of this page with their cursors. */
  edges: Array<RunEdge>;
  /** The runs of this page. */
  nodes: Array<Run>;
  /** Where the page sits in the whole result. */
  pageInfo: PageInfo;
  /** Number of runs matching the filter, over all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A run with the cursor that points just after it. */
export type RunEdge = {
  __typename?: 'RunEdge';
  /** Pass as `after` to get the runs that follow this one. */
  cursor: Scalars['String']['output'];
  /** The run. */
  node: Run;
};

/** A change to a run, delivered to subscribers. */
export type RunEvent = {
  __typename?: 'RunEvent';
  /**
   * The experiment of the run. Null for RESYNC on `runIds`, and for a run followed by `runIds` that a replay
   * finds deleted (a deleted run's experiment is not kept).
   */
  experimentId?: Maybe<Scalars['ID']['output']>;
  /** What happened. */
  kind: RunEventKind;
  /** The run as it is now (null when deleted, and for RESYNC). */
  run?: Maybe<Run>;
  /** The run the event is about; null for RESYNC. */
  runId?: Maybe<Scalars['ID']['output']>;
  /**
   * The run's sequence number after this change; pass the last one you saw as `since` to resume.
   * Null for RESYNC.
   */
  seq?: Maybe<Scalars['Int']['output']>;
};

/** What kind of change a RunEvent reports. */
export type RunEventKind =
  /** The run was created. */
  | 'CREATED'
  /** The run was deleted; `run` is null. */
  | 'DELETED'
  /**
   * Only for `startWithResync`: the server is now listening, and runs created (or deleted) that the replay of
   * `since` does not cover may have been missed: read the list (or its count) again. Sent first, after the
   * replay, and again after the server lost its database connection for a while. `runId`, `seq` and `run`
   * are null.
   */
  | 'RESYNC'
  /** Status, tags, notes, heartbeat-driven state or other fields changed. */
  | 'UPDATED';

/** Which runs to return. Every given part must hold (AND). */
export type RunFilter = {
  /** false (default): runs that are not archived; true: only archived runs; null: both. */
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only runs of this experiment. */
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  /** Only runs of the experiment with this name. */
  experimentName?: InputMaybe<Scalars['String']['input']>;
  /** Only runs in one of these statuses. */
  status?: InputMaybe<Array<RunStatus>>;
  /** Only runs carrying every one of these tags. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  /**
   * Predicates in Runboard's filter language, for example
   * `config.lr < 1e-4 AND metrics.val_acc >= 0.9`,
   * `(config.optimizer = "adam" OR config.optimizer = "rmsprop") AND NOT status = FAILED`,
   * `config.batch BETWEEN 16 AND 64`, `config.size IN (32, 48)`, `tags HAS "baseline"`,
   * `max(metrics.val_acc) > 0.8`, `name ~ "sweep"` (case-insensitive substring), `config.seed EXISTS`.
   * Operators: = != < <= > >= ~ BETWEEN IN HAS EXISTS, joined by AND, OR, NOT and parentheses.
   * Errors come back with code INVALID_FILTER and the position of the problem; comparing a config
   * path with a string when the runs in scope hold only numbers there (or the converse) is such an error.
   */
  where?: InputMaybe<Scalars['String']['input']>;
};

/** How a run came through the queue (null for runs a trainer registered itself). */
export type RunLaunch = {
  __typename?: 'RunLaunch';
  /** The agent running (or last running) it. */
  agent?: Maybe<Agent>;
  /** 0 on the first hand-out to an agent, then 1, 2, ... after each lease lost. */
  attempt: Scalars['Int']['output'];
  /** When a cancel was requested. */
  cancelRequestedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The agent entry point that runs it (`vgg16`: the built-in trainer). */
  entryPoint: Scalars['String']['output'];
  /** Labels an agent needs to run it. */
  labels: Array<Scalars['String']['output']>;
  /** Requeues allowed when an agent loses the lease. */
  retries: Scalars['Int']['output'];
  /** The sweep it belongs to. */
  sweep?: Maybe<Sweep>;
  /** True while the run is QUEUED and no online agent could take it (none with its entry point and labels). */
  waitingForAgent: Scalars['Boolean']['output'];
  /**
   * While waitingForAgent: why, e.g. `no online agent has the entry point "keras-seed"` or
   * `no online agent with the entry point "vgg16" has the labels gpu`. Null otherwise.
   */
  waitingReason?: Maybe<Scalars['String']['output']>;
};

/** Final and best value of one metric in one run. */
export type RunMetricResult = {
  __typename?: 'RunMetricResult';
  /** Best value according to the goal (NaN ignored). */
  best?: Maybe<Scalars['MetricValue']['output']>;
  /** First step at which the best value was reached. */
  bestStep?: Maybe<Scalars['Int']['output']>;
  /** Value at the last step; null when the run never logged the key. */
  final?: Maybe<Scalars['MetricValue']['output']>;
  /** The last step. */
  finalStep?: Maybe<Scalars['Int']['output']>;
  /** The run. */
  runId: Scalars['ID']['output'];
};

/**
 * A sort key: `name`, `status`, `createdAt`, `startedAt`, `finishedAt`, `updatedAt`,
 * `config.<path>` (e.g. `config.optimizer.lr`), `metrics.<key>` (latest value),
 * `min(metrics.<key>)` or `max(metrics.<key>)`.
 */
export type RunOrder = {
  /** Direction; nulls always sort last. */
  direction?: InputMaybe<SortDirection>;
  /** The field to sort on. */
  field: Scalars['String']['input'];
};

/** The last sequence number a subscriber saw for one run. */
export type RunSeqInput = {
  /** The run. */
  runId: Scalars['ID']['input'];
  /** The last seq received for it; events with a greater seq are replayed. */
  seq: Scalars['Int']['input'];
};

/**
 * Lifecycle of a run. QUEUED -> RUNNING -> FINISHED | FAILED | CANCELED; a RUNNING run whose heartbeat
 * stops becomes CRASHED, and a CRASHED run that heartbeats or logs again is RUNNING once more.
 * FINISHED, FAILED and CANCELED are final.
 */
export type RunStatus =
  /** Stopped on request. */
  | 'CANCELED'
  /** Stopped heartbeating for longer than the server's timeout. */
  | 'CRASHED'
  /** Ended with an error reported by the trainer. */
  | 'FAILED'
  /** Ended normally. */
  | 'FINISHED'
  /** Registered, not started yet. */
  | 'QUEUED'
  /** Training; expected to heartbeat. */
  | 'RUNNING';

/** A count of runs in one status. */
export type RunStatusCount = {
  __typename?: 'RunStatusCount';
  /** How many runs are in it. */
  count: Scalars['Int']['output'];
  /** The status. */
  status: RunStatus;
};

/** A view to save. */
export type SaveViewInput = {
  /** The experiment the view belongs to. */
  experimentId: Scalars['ID']['input'];
  /** Name, 1..200 characters; saving under an existing name replaces that view's state. */
  name: Scalars['String']['input'];
  /** The page state (a JSON object, at most the JSON size limit of run configs). */
  state: Scalars['JSON']['input'];
};

/**
 * A named state of an experiment's dashboard page (filter, sort, columns, grouping, chart settings),
 * saved so it can be reopened and shared. Names are unique per experiment.
 */
export type SavedView = {
  __typename?: 'SavedView';
  /** When the view was first saved. */
  createdAt: Scalars['DateTime']['output'];
  /** The experiment whose page this view belongs to. */
  experimentId: Scalars['ID']['output'];
  /** Stable identifier (UUID); the page URL `/experiments/<experimentId>?view=<id>` opens it. */
  id: Scalars['ID']['output'];
  /** Name, unique within the experiment. */
  name: Scalars['String']['output'];
  /**
   * The page state as a JSON object of URL parameters, e.g.
   * `{"where": "config.lr < 0.01", "sort": "metrics.val_acc:DESC", "cols": "config.lr,m:val_acc", "group": "config.lr"}`.
   * The server stores it as given; the dashboard decides what the keys mean.
   */
  state: Scalars['JSON']['output'];
  /** When it was last saved. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A series as parallel arrays, index i describing one point. */
export type SeriesColumns = {
  __typename?: 'SeriesColumns';
  /** Bucket maxima. */
  max: Scalars['NumberColumn']['output'];
  /** Bucket minima (null when every value in the bucket is NaN). */
  min: Scalars['NumberColumn']['output'];
  /** Steps. */
  step: Scalars['NumberColumn']['output'];
  /** Values. */
  value: Scalars['NumberColumn']['output'];
  /** Wall times in milliseconds since the Unix epoch. */
  wallTime: Scalars['NumberColumn']['output'];
};

/** A raw point, or a bucket's last point with the bucket's extremes. */
export type SeriesPoint = {
  __typename?: 'SeriesPoint';
  /** Largest value in the bucket (NaN ignored), equal to value for raw points. */
  max?: Maybe<Scalars['MetricValue']['output']>;
  /** Smallest value in the bucket (NaN ignored), equal to value for raw points. */
  min?: Maybe<Scalars['MetricValue']['output']>;
  /** Step of the (last) point. */
  step: Scalars['Int']['output'];
  /** Value of the (last) point. */
  value: Scalars['MetricValue']['output'];
  /** Wall time of the (last) point. */
  wallTime: Scalars['DateTime']['output'];
};

/** Sort direction. */
export type SortDirection =
  /** Smallest first; nulls last. */
  | 'ASC'
  /** Largest first; nulls last. */
  | 'DESC';

/** Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP. */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Experiments created, changed or deleted, and experiments whose runs changed: what a list of experiments needs to
   * stay current. A key limited to some experiments hears only of those (by id, or by the name the experiment has
   * when the change happens). Metric points do not count as changes (follow runs with metricsLogged).
   */
  experimentsChanged: ExperimentChange;
  /**
   * Points logged to the given runs (optionally only some keys). With `since`, first replays every batch
   * with a greater seq, then streams live without gaps or duplicates.
   */
  metricsLogged: MetricsEvent;
  /**
   * Changes to runs: of one experiment (`experimentId`) or of given runs (`runIds`).
   * With `since`, first replays the current state of every run whose seq is greater than given
   * (runs of the experiment not listed count as seq 0), then streams live events without gaps or duplicates.
   * A run given in `since` (or delivered earlier on this stream) that no longer exists is replayed as DELETED
   * (at its given seq + 1), once. By `runIds`, such an event has a null `experimentId`, and an id that never
   * named a run gets the same DELETED: a key limited to some experiments learns nothing of other experiments'
   * runs from it (an id of an existing run of another experiment is refused with FORBIDDEN when subscribing).
   * An event carries the run as it is when delivered, so changes in quick succession may arrive as one event
   * with the newer state and seq: seqs only increase, and the last event always has the current state.
   */
  runChanged: RunEvent;
  /** Live tail of a run's output: replays lines after `afterLine`, then streams new ones. */
  runLogs: LogEvent;
};


/** Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP. */
export type SubscriptionExperimentsChangedArgs = {
  startWithResync?: InputMaybe<Scalars['Boolean']['input']>;
};


/** Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP. */
export type SubscriptionMetricsLoggedArgs = {
  keys?: InputMaybe<Array<Scalars['String']['input']>>;
  runIds: Array<Scalars['ID']['input']>;
  since?: InputMaybe<Array<RunSeqInput>>;
};


/** Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP. */
export type SubscriptionRunChangedArgs = {
  experimentId?: InputMaybe<Scalars['ID']['input']>;
  runIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  since?: InputMaybe<Array<RunSeqInput>>;
  sinceListedOnly?: InputMaybe<Scalars['Boolean']['input']>;
  startWithResync?: InputMaybe<Scalars['Boolean']['input']>;
};


/** Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP. */
export type SubscriptionRunLogsArgs = {
  afterLine?: InputMaybe<Scalars['Int']['input']>;
  runId: Scalars['ID']['input'];
};

/**
 * A hyperparameter sweep: runs generated from a space over a base config, queued with bounded parallelism.
 * Over a frozen VGG16 base, the trainer's feature cache lets every run after the first skip the conv base.
 */
export type Sweep = {
  __typename?: 'Sweep';
  /** The config every run starts from. */
  baseConfig: Scalars['JSON']['output'];
  /** The run whose summary value (see summary) is best so far (NaN ignored), or null. */
  bestRun?: Maybe<Run>;
  /** That run's summary value. */
  bestValue?: Maybe<Scalars['MetricValue']['output']>;
  /** When it was launched. */
  createdAt: Scalars['DateTime']['output'];
  /** Its experiment. */
  experiment: Experiment;
  /** Whether smaller or larger metric values are better. */
  goal: MetricGoal;
  /** Identifier. */
  id: Scalars['ID']['output'];
  /** Most runs it creates. */
  maxRuns: Scalars['Int']['output'];
  /** GRID or RANDOM. */
  method: SweepMethod;
  /** The metric that ranks runs. */
  metric: Scalars['String']['output'];
  /** Name; its runs are named <name>-1, <name>-2, ... */
  name: Scalars['String']['output'];
  /** Most runs running at once. */
  parallelism: Scalars['Int']['output'];
  /** Each swept parameter against the metric: one point per run that logged the metric. */
  parameters: Array<SweepParameter>;
  /** Runs per status. */
  runCounts: Array<RunStatusCount>;
  /** Its runs, in launch order. */
  runs: Array<Run>;
  /** The search space as given (plus `_seed`). */
  space: Scalars['JSON']['output'];
  /** Which value of the metric summarises each run (LAST or BEST). */
  summary: SweepSummary;
};

/** How a sweep picks points of its space. */
export type SweepMethod =
  /** Every combination of the listed values (up to maxRuns). */
  | 'GRID'
  /** maxRuns random draws (lists, uniform, log_uniform, int_uniform), reproducible from the seed. */
  | 'RANDOM';

/** One swept parameter across the sweep's runs. */
export type SweepParameter = {
  __typename?: 'SweepParameter';
  /** Config path (dotted). */
  name: Scalars['String']['output'];
  /** Value and metric per run. */
  points: Array<SweepPoint>;
};

/** A run's value of a parameter and its summary value of the sweep metric. */
export type SweepPoint = {
  __typename?: 'SweepPoint';
  /** The run's LAST or BEST value of the sweep metric, per the sweep's summary (null until logged). */
  metric?: Maybe<Scalars['MetricValue']['output']>;
  /** The run. */
  runId: Scalars['ID']['output'];
  /** The parameter's value in that run's config. */
  value?: Maybe<Scalars['JSON']['output']>;
};

/** Which value of the sweep metric stands for a run. */
export type SweepSummary =
  /** The best value over all epochs (by the sweep's goal), NaN ignored. */
  | 'BEST'
  /** The last logged value: what the run's saved model scored. */
  | 'LAST';

/** What truncateMetrics removed. */
export type TruncateMetricsResult = {
  __typename?: 'TruncateMetricsResult';
  /** Number of points removed. */
  deleted: Scalars['Int']['output'];
  /** The run. */
  runId: Scalars['ID']['output'];
};

/** Changes to an experiment; omitted fields stay as they are. */
export type UpdateExperimentInput = {
  /** New description. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** New unique name. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the tag list. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Changes to a run; omitted fields stay as they are. */
export type UpdateRunInput = {
  /** New display name. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the notes. */
  notes?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the tag list. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Who the caller is, as far as the server can tell. Answered with no key at all, so clients can find out whether they must sign in. */
export type Viewer = {
  __typename?: 'Viewer';
  /** True when the server requires an API key. */
  authRequired: Scalars['Boolean']['output'];
  /** False when a key is required and none was given. */
  authenticated: Scalars['Boolean']['output'];
  /** Experiments the key is limited to, or null for all. */
  experiments?: Maybe<Array<Scalars['String']['output']>>;
  /** The name of the caller's key, or null without one. */
  keyName?: Maybe<Scalars['String']['output']>;
  /** What the caller may do (implied scopes included). Every scope when the server requires no key. */
  scopes: Array<ApiKeyScope>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Agent: ResolverTypeWrapper<AgentRowModel>;
  ApiKey: ResolverTypeWrapper<ApiKeyRowModel>;
  ApiKeyScope: ApiKeyScope;
  Artifact: ResolverTypeWrapper<ArtifactModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  BulkRunUpdateInput: BulkRunUpdateInput;
  ConfigRow: ResolverTypeWrapper<ConfigRow>;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateExperimentInput: CreateExperimentInput;
  CreateRunInput: CreateRunInput;
  CreatedApiKey: ResolverTypeWrapper<Omit<CreatedApiKey, 'apiKey'> & { apiKey: ResolversTypes['ApiKey'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  EntryPoint: ResolverTypeWrapper<EntryPoint>;
  EntryPointInput: EntryPointInput;
  Experiment: ResolverTypeWrapper<ExperimentModel>;
  ExperimentChange: ResolverTypeWrapper<Omit<ExperimentChange, 'experiment'> & { experiment?: Maybe<ResolversTypes['Experiment']> }>;
  ExperimentChangeKind: ExperimentChangeKind;
  FinalRunStatus: FinalRunStatus;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  LaunchRunInput: LaunchRunInput;
  LaunchSweepInput: LaunchSweepInput;
  LeaseRenewal: ResolverTypeWrapper<LeaseRenewal>;
  LogEvent: ResolverTypeWrapper<LogEvent>;
  LogLine: ResolverTypeWrapper<LogLine>;
  LogLineInput: LogLineInput;
  LogMetricsResult: ResolverTypeWrapper<LogMetricsResult>;
  LogPage: ResolverTypeWrapper<LogPage>;
  LogStream: LogStream;
  MetricColumnsInput: MetricColumnsInput;
  MetricComparison: ResolverTypeWrapper<MetricComparison>;
  MetricGoal: MetricGoal;
  MetricGoalInput: MetricGoalInput;
  MetricPoint: ResolverTypeWrapper<MetricPoint>;
  MetricPointInput: MetricPointInput;
  MetricSeries: ResolverTypeWrapper<SeriesModel>;
  MetricSummary: ResolverTypeWrapper<LatestRowModel>;
  MetricValue: ResolverTypeWrapper<Scalars['MetricValue']['output']>;
  MetricsEvent: ResolverTypeWrapper<MetricsEventModel>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  NumberColumn: ResolverTypeWrapper<Scalars['NumberColumn']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  QueueStatus: ResolverTypeWrapper<QueueStatus>;
  RegisterAgentInput: RegisterAgentInput;
  RegisterArtifactInput: RegisterArtifactInput;
  Run: ResolverTypeWrapper<RunRowModel>;
  RunAssignment: ResolverTypeWrapper<Omit<RunAssignment, 'run'> & { run: ResolversTypes['Run'] }>;
  RunComparison: ResolverTypeWrapper<ComparisonModel>;
  RunConnection: ResolverTypeWrapper<RunPageModel>;
  RunEdge: ResolverTypeWrapper<Omit<RunEdge, 'node'> & { node: ResolversTypes['Run'] }>;
  RunEvent: ResolverTypeWrapper<RunEventModel>;
  RunEventKind: RunEventKind;
  RunFilter: RunFilter;
  RunLaunch: ResolverTypeWrapper<RunRowModel>;
  RunMetricResult: ResolverTypeWrapper<RunMetricResult>;
  RunOrder: RunOrder;
  RunSeqInput: RunSeqInput;
  RunStatus: RunStatus;
  RunStatusCount: ResolverTypeWrapper<RunStatusCount>;
  SaveViewInput: SaveViewInput;
  SavedView: ResolverTypeWrapper<SavedView>;
  SeriesColumns: ResolverTypeWrapper<SeriesColumns>;
  SeriesPoint: ResolverTypeWrapper<SeriesPoint>;
  SortDirection: SortDirection;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Sweep: ResolverTypeWrapper<SweepRowModel>;
  SweepMethod: SweepMethod;
  SweepParameter: ResolverTypeWrapper<SweepParameter>;
  SweepPoint: ResolverTypeWrapper<SweepPoint>;
  SweepSummary: SweepSummary;
  TruncateMetricsResult: ResolverTypeWrapper<TruncateMetricsResult>;
  UpdateExperimentInput: UpdateExperimentInput;
  UpdateRunInput: UpdateRunInput;
  Viewer: ResolverTypeWrapper<Viewer>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Agent: AgentRowModel;
  ApiKey: ApiKeyRowModel;
  Artifact: ArtifactModel;
  Boolean: Scalars['Boolean']['output'];
  BulkRunUpdateInput: BulkRunUpdateInput;
  ConfigRow: ConfigRow;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateExperimentInput: CreateExperimentInput;
  CreateRunInput: CreateRunInput;
  CreatedApiKey: Omit<CreatedApiKey, 'apiKey'> & { apiKey: ResolversParentTypes['ApiKey'] };
  DateTime: Scalars['DateTime']['output'];
  EntryPoint: EntryPoint;
  EntryPointInput: EntryPointInput;
  Experiment: ExperimentModel;
  ExperimentChange: Omit<ExperimentChange, 'experiment'> & { experiment?: Maybe<ResolversParentTypes['Experiment']> };
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  LaunchRunInput: LaunchRunInput;
  LaunchSweepInput: LaunchSweepInput;
  LeaseRenewal: LeaseRenewal;
  LogEvent: LogEvent;
  LogLine: LogLine;
  LogLineInput: LogLineInput;
  LogMetricsResult: LogMetricsResult;
  LogPage: LogPage;
  MetricColumnsInput: MetricColumnsInput;
  MetricComparison: MetricComparison;
  MetricGoalInput: MetricGoalInput;
  MetricPoint: MetricPoint;
  MetricPointInput: MetricPointInput;
  MetricSeries: SeriesModel;
  MetricSummary: LatestRowModel;
  MetricValue: Scalars['MetricValue']['output'];
  MetricsEvent: MetricsEventModel;
  Mutation: Record<PropertyKey, never>;
  NumberColumn: Scalars['NumberColumn']['output'];
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  QueueStatus: QueueStatus;
  RegisterAgentInput: RegisterAgentInput;
  RegisterArtifactInput: RegisterArtifactInput;
  Run: RunRowModel;
  RunAssignment: Omit<RunAssignment, 'run'> & { run: ResolversParentTypes['Run'] };
  RunComparison: ComparisonModel;
  RunConnection: RunPageModel;
  RunEdge: Omit<RunEdge, 'node'> & { node: ResolversParentTypes['Run'] };
  RunEvent: RunEventModel;
  RunFilter: RunFilter;
  RunLaunch: RunRowModel;
  RunMetricResult: RunMetricResult;
  RunOrder: RunOrder;
  RunSeqInput: RunSeqInput;
  RunStatusCount: RunStatusCount;
  SaveViewInput: SaveViewInput;
  SavedView: SavedView;
  SeriesColumns: SeriesColumns;
  SeriesPoint: SeriesPoint;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  Sweep: SweepRowModel;
  SweepParameter: SweepParameter;
  SweepPoint: SweepPoint;
  TruncateMetricsResult: TruncateMetricsResult;
  UpdateExperimentInput: UpdateExperimentInput;
  UpdateRunInput: UpdateRunInput;
  Viewer: Viewer;
};

export type AgentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Agent'] = ResolversParentTypes['Agent']> = {
  activeRunCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  concurrency?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  entryPoints?: Resolver<Array<ResolversTypes['EntryPoint']>, ParentType, ContextType>;
  gpus?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  host?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  info?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  labels?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  lastSeenAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  online?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  runs?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ApiKeyResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  experiments?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['ApiKeyScope']>, ParentType, ContextType>;
};

export type ArtifactResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Artifact'] = ResolversParentTypes['Artifact']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  downloadPath?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  metadata?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  uri?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ConfigRowResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ConfigRow'] = ResolversParentTypes['ConfigRow']> = {
  differs?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  path?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  values?: Resolver<Array<Maybe<ResolversTypes['JSON']>>, ParentType, ContextType>;
};

export type CreatedApiKeyResolvers<ContextType = Context, ParentType extends ResolversParentTypes['CreatedApiKey'] = ResolversParentTypes['CreatedApiKey']> = {
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type EntryPointResolvers<ContextType = Context, ParentType extends ResolversParentTypes['EntryPoint'] = ResolversParentTypes['EntryPoint']> = {
  builtin?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  command?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ExperimentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Experiment'] = ResolversParentTypes['Experiment']> = {
  configKeys?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastActivityAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  runCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  runCounts?: Resolver<Array<ResolversTypes['RunStatusCount']>, ParentType, ContextType>;
  runs?: Resolver<ResolversTypes['RunConnection'], ParentType, ContextType, RequireFields<ExperimentRunsArgs, 'archived' | 'first'>>;
  tags?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ExperimentChangeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ExperimentChange'] = ResolversParentTypes['ExperimentChange']> = {
  experiment?: Resolver<Maybe<ResolversTypes['Experiment']>, ParentType, ContextType>;
  experimentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ExperimentChangeKind'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type LeaseRenewalResolvers<ContextType = Context, ParentType extends ResolversParentTypes['LeaseRenewal'] = ResolversParentTypes['LeaseRenewal']> = {
  cancel?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  ended?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  lost?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
};

export type LogEventResolvers<ContextType = Context, ParentType extends ResolversParentTypes['LogEvent'] = ResolversParentTypes['LogEvent']> = {
  lines?: Resolver<Array<ResolversTypes['LogLine']>, ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type LogLineResolvers<ContextType = Context, ParentType extends ResolversParentTypes['LogLine'] = ResolversParentTypes['LogLine']> = {
  line?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stream?: Resolver<ResolversTypes['LogStream'], ParentType, ContextType>;
  text?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  time?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type LogMetricsResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['LogMetricsResult'] = ResolversParentTypes['LogMetricsResult']> = {
  accepted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type LogPageResolvers<ContextType = Context, ParentType extends ResolversParentTypes['LogPage'] = ResolversParentTypes['LogPage']> = {
  hasMore?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['LogLine']>, ParentType, ContextType>;
};

export type MetricComparisonResolvers<ContextType = Context, ParentType extends ResolversParentTypes['MetricComparison'] = ResolversParentTypes['MetricComparison']> = {
  bestRunId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  goal?: Resolver<Maybe<ResolversTypes['MetricGoal']>, ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  results?: Resolver<Array<ResolversTypes['RunMetricResult']>, ParentType, ContextType>;
};

export type MetricPointResolvers<ContextType = Context, ParentType extends ResolversParentTypes['MetricPoint'] = ResolversParentTypes['MetricPoint']> = {
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['MetricValue'], ParentType, ContextType>;
  wallTime?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type MetricSeriesResolvers<ContextType = Context, ParentType extends ResolversParentTypes['MetricSeries'] = ResolversParentTypes['MetricSeries']> = {
  bucketSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  columns?: Resolver<ResolversTypes['SeriesColumns'], ParentType, ContextType>;
  downsampled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  points?: Resolver<Array<ResolversTypes['SeriesPoint']>, ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  totalPoints?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MetricSummaryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['MetricSummary'] = ResolversParentTypes['MetricSummary']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  firstStep?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastStep?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastValue?: Resolver<ResolversTypes['MetricValue'], ParentType, ContextType>;
  lastWallTime?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  max?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  maxStep?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  min?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  minStep?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export interface MetricValueScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['MetricValue'], any> {
  name: 'MetricValue';
}

export type MetricsEventResolvers<ContextType = Context, ParentType extends ResolversParentTypes['MetricsEvent'] = ResolversParentTypes['MetricsEvent']> = {
  points?: Resolver<Array<ResolversTypes['MetricPoint']>, ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  appendRunLogs?: Resolver<ResolversTypes['Int'], ParentType, ContextType, RequireFields<MutationAppendRunLogsArgs, 'lines' | 'runId'>>;
  cancelRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationCancelRunArgs, 'id'>>;
  cancelSweep?: Resolver<ResolversTypes['Sweep'], ParentType, ContextType, RequireFields<MutationCancelSweepArgs, 'id'>>;
  claimRuns?: Resolver<Array<ResolversTypes['RunAssignment']>, ParentType, ContextType, RequireFields<MutationClaimRunsArgs, 'agentId' | 'max'>>;
  createApiKey?: Resolver<ResolversTypes['CreatedApiKey'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'input'>>;
  createExperiment?: Resolver<ResolversTypes['Experiment'], ParentType, ContextType, RequireFields<MutationCreateExperimentArgs, 'input'>>;
  createRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationCreateRunArgs, 'input'>>;
  deleteArtifact?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteArtifactArgs, 'id'>>;
  deleteExperiment?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteExperimentArgs, 'id'>>;
  deleteRun?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteRunArgs, 'id'>>;
  deleteRuns?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType, RequireFields<MutationDeleteRunsArgs, 'ids'>>;
  deleteView?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteViewArgs, 'id'>>;
  finishRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationFinishRunArgs, 'id' | 'status'>>;
  heartbeat?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationHeartbeatArgs, 'runId'>>;
  launchRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationLaunchRunArgs, 'input'>>;
  launchSweep?: Resolver<ResolversTypes['Sweep'], ParentType, ContextType, RequireFields<MutationLaunchSweepArgs, 'input'>>;
  logMetrics?: Resolver<ResolversTypes['LogMetricsResult'], ParentType, ContextType, RequireFields<MutationLogMetricsArgs, 'runId'>>;
  registerAgent?: Resolver<ResolversTypes['Agent'], ParentType, ContextType, RequireFields<MutationRegisterAgentArgs, 'input'>>;
  registerArtifact?: Resolver<ResolversTypes['Artifact'], ParentType, ContextType, RequireFields<MutationRegisterArtifactArgs, 'input'>>;
  renewLeases?: Resolver<ResolversTypes['LeaseRenewal'], ParentType, ContextType, RequireFields<MutationRenewLeasesArgs, 'agentId' | 'runIds'>>;
  reportRunExit?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationReportRunExitArgs, 'agentId' | 'runId'>>;
  revokeApiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  saveView?: Resolver<ResolversTypes['SavedView'], ParentType, ContextType, RequireFields<MutationSaveViewArgs, 'input'>>;
  startRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationStartRunArgs, 'id'>>;
  truncateMetrics?: Resolver<ResolversTypes['TruncateMetricsResult'], ParentType, ContextType, RequireFields<MutationTruncateMetricsArgs, 'afterStep' | 'runId'>>;
  updateExperiment?: Resolver<ResolversTypes['Experiment'], ParentType, ContextType, RequireFields<MutationUpdateExperimentArgs, 'id' | 'input'>>;
  updateRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationUpdateRunArgs, 'id' | 'input'>>;
  updateRuns?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType, RequireFields<MutationUpdateRunsArgs, 'ids' | 'input'>>;
};

export interface NumberColumnScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['NumberColumn'], any> {
  name: 'NumberColumn';
}

export type PageInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  agents?: Resolver<Array<ResolversTypes['Agent']>, ParentType, ContextType>;
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType, RequireFields<QueryApiKeysArgs, 'includeRevoked'>>;
  compareRuns?: Resolver<ResolversTypes['RunComparison'], ParentType, ContextType, RequireFields<QueryCompareRunsArgs, 'runIds'>>;
  experiment?: Resolver<Maybe<ResolversTypes['Experiment']>, ParentType, ContextType, Partial<QueryExperimentArgs>>;
  experiments?: Resolver<Array<ResolversTypes['Experiment']>, ParentType, ContextType, RequireFields<QueryExperimentsArgs, 'first'>>;
  metricKeys?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType, Partial<QueryMetricKeysArgs>>;
  metricSeries?: Resolver<Array<ResolversTypes['MetricSeries']>, ParentType, ContextType, RequireFields<QueryMetricSeriesArgs, 'keys' | 'maxPoints' | 'runIds'>>;
  queueStatus?: Resolver<ResolversTypes['QueueStatus'], ParentType, ContextType>;
  run?: Resolver<Maybe<ResolversTypes['Run']>, ParentType, ContextType, RequireFields<QueryRunArgs, 'id'>>;
  runs?: Resolver<ResolversTypes['RunConnection'], ParentType, ContextType, RequireFields<QueryRunsArgs, 'first'>>;
  savedView?: Resolver<Maybe<ResolversTypes['SavedView']>, ParentType, ContextType, RequireFields<QuerySavedViewArgs, 'id'>>;
  savedViews?: Resolver<Array<ResolversTypes['SavedView']>, ParentType, ContextType, RequireFields<QuerySavedViewsArgs, 'experimentId'>>;
  sweep?: Resolver<Maybe<ResolversTypes['Sweep']>, ParentType, ContextType, RequireFields<QuerySweepArgs, 'id'>>;
  sweeps?: Resolver<Array<ResolversTypes['Sweep']>, ParentType, ContextType, Partial<QuerySweepsArgs>>;
  trainerConfigSchema?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
};

export type QueueStatusResolvers<ContextType = Context, ParentType extends ResolversParentTypes['QueueStatus'] = ResolversParentTypes['QueueStatus']> = {
  agentsOnline?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queued?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  running?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RunResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Run'] = ResolversParentTypes['Run']> = {
  archived?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  artifacts?: Resolver<Array<ResolversTypes['Artifact']>, ParentType, ContextType>;
  cancelRequested?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  config?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorSummary?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  exitCode?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  experiment?: Resolver<ResolversTypes['Experiment'], ParentType, ContextType>;
  experimentId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  history?: Resolver<Array<ResolversTypes['MetricPoint']>, ParentType, ContextType, RequireFields<RunHistoryArgs, 'first' | 'key'>>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastHeartbeatAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  launch?: Resolver<Maybe<ResolversTypes['RunLaunch']>, ParentType, ContextType>;
  logs?: Resolver<ResolversTypes['LogPage'], ParentType, ContextType, RequireFields<RunLogsArgs, 'after' | 'first'>>;
  metric?: Resolver<Maybe<ResolversTypes['MetricSummary']>, ParentType, ContextType, RequireFields<RunMetricArgs, 'key'>>;
  metrics?: Resolver<Array<ResolversTypes['MetricSummary']>, ParentType, ContextType, Partial<RunMetricsArgs>>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  notes?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['RunStatus'], ParentType, ContextType>;
  systemInfo?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  tags?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  userConfigKeys?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
};

export type RunAssignmentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunAssignment'] = ResolversParentTypes['RunAssignment']> = {
  attempt?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  leaseSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
};

export type RunComparisonResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunComparison'] = ResolversParentTypes['RunComparison']> = {
  config?: Resolver<Array<ResolversTypes['ConfigRow']>, ParentType, ContextType, RequireFields<RunComparisonConfigArgs, 'differencesOnly'>>;
  metrics?: Resolver<Array<ResolversTypes['MetricComparison']>, ParentType, ContextType>;
  runs?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType>;
};

export type RunConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunConnection'] = ResolversParentTypes['RunConnection']> = {
  edges?: Resolver<Array<ResolversTypes['RunEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RunEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunEdge'] = ResolversParentTypes['RunEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
};

export type RunEventResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunEvent'] = ResolversParentTypes['RunEvent']> = {
  experimentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['RunEventKind'], ParentType, ContextType>;
  run?: Resolver<Maybe<ResolversTypes['Run']>, ParentType, ContextType>;
  runId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  seq?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type RunLaunchResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunLaunch'] = ResolversParentTypes['RunLaunch']> = {
  agent?: Resolver<Maybe<ResolversTypes['Agent']>, ParentType, ContextType>;
  attempt?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  cancelRequestedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  entryPoint?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  labels?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  retries?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sweep?: Resolver<Maybe<ResolversTypes['Sweep']>, ParentType, ContextType>;
  waitingForAgent?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  waitingReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type RunMetricResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunMetricResult'] = ResolversParentTypes['RunMetricResult']> = {
  best?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  bestStep?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  final?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  finalStep?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type RunStatusCountResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RunStatusCount'] = ResolversParentTypes['RunStatusCount']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['RunStatus'], ParentType, ContextType>;
};

export type SavedViewResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SavedView'] = ResolversParentTypes['SavedView']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  experimentId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type SeriesColumnsResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SeriesColumns'] = ResolversParentTypes['SeriesColumns']> = {
  max?: Resolver<ResolversTypes['NumberColumn'], ParentType, ContextType>;
  min?: Resolver<ResolversTypes['NumberColumn'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['NumberColumn'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['NumberColumn'], ParentType, ContextType>;
  wallTime?: Resolver<ResolversTypes['NumberColumn'], ParentType, ContextType>;
};

export type SeriesPointResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SeriesPoint'] = ResolversParentTypes['SeriesPoint']> = {
  max?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  min?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['MetricValue'], ParentType, ContextType>;
  wallTime?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  experimentsChanged?: SubscriptionResolver<ResolversTypes['ExperimentChange'], "experimentsChanged", ParentType, ContextType, RequireFields<SubscriptionExperimentsChangedArgs, 'startWithResync'>>;
  metricsLogged?: SubscriptionResolver<ResolversTypes['MetricsEvent'], "metricsLogged", ParentType, ContextType, RequireFields<SubscriptionMetricsLoggedArgs, 'runIds'>>;
  runChanged?: SubscriptionResolver<ResolversTypes['RunEvent'], "runChanged", ParentType, ContextType, RequireFields<SubscriptionRunChangedArgs, 'sinceListedOnly' | 'startWithResync'>>;
  runLogs?: SubscriptionResolver<ResolversTypes['LogEvent'], "runLogs", ParentType, ContextType, RequireFields<SubscriptionRunLogsArgs, 'afterLine' | 'runId'>>;
};

export type SweepResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Sweep'] = ResolversParentTypes['Sweep']> = {
  baseConfig?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  bestRun?: Resolver<Maybe<ResolversTypes['Run']>, ParentType, ContextType>;
  bestValue?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  experiment?: Resolver<ResolversTypes['Experiment'], ParentType, ContextType>;
  goal?: Resolver<ResolversTypes['MetricGoal'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  maxRuns?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  method?: Resolver<ResolversTypes['SweepMethod'], ParentType, ContextType>;
  metric?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  parallelism?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  parameters?: Resolver<Array<ResolversTypes['SweepParameter']>, ParentType, ContextType>;
  runCounts?: Resolver<Array<ResolversTypes['RunStatusCount']>, ParentType, ContextType>;
  runs?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType>;
  space?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  summary?: Resolver<ResolversTypes['SweepSummary'], ParentType, ContextType>;
};

export type SweepParameterResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SweepParameter'] = ResolversParentTypes['SweepParameter']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  points?: Resolver<Array<ResolversTypes['SweepPoint']>, ParentType, ContextType>;
};

export type SweepPointResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SweepPoint'] = ResolversParentTypes['SweepPoint']> = {
  metric?: Resolver<Maybe<ResolversTypes['MetricValue']>, ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
};

export type TruncateMetricsResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['TruncateMetricsResult'] = ResolversParentTypes['TruncateMetricsResult']> = {
  deleted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  runId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  authRequired?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  authenticated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  experiments?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  keyName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['ApiKeyScope']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = Context> = {
  Agent?: AgentResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  Artifact?: ArtifactResolvers<ContextType>;
  ConfigRow?: ConfigRowResolvers<ContextType>;
  CreatedApiKey?: CreatedApiKeyResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  EntryPoint?: EntryPointResolvers<ContextType>;
  Experiment?: ExperimentResolvers<ContextType>;
  ExperimentChange?: ExperimentChangeResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  LeaseRenewal?: LeaseRenewalResolvers<ContextType>;
  LogEvent?: LogEventResolvers<ContextType>;
  LogLine?: LogLineResolvers<ContextType>;
  LogMetricsResult?: LogMetricsResultResolvers<ContextType>;
  LogPage?: LogPageResolvers<ContextType>;
  MetricComparison?: MetricComparisonResolvers<ContextType>;
  MetricPoint?: MetricPointResolvers<ContextType>;
  MetricSeries?: MetricSeriesResolvers<ContextType>;
  MetricSummary?: MetricSummaryResolvers<ContextType>;
  MetricValue?: GraphQLScalarType;
  MetricsEvent?: MetricsEventResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  NumberColumn?: GraphQLScalarType;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  QueueStatus?: QueueStatusResolvers<ContextType>;
  Run?: RunResolvers<ContextType>;
  RunAssignment?: RunAssignmentResolvers<ContextType>;
  RunComparison?: RunComparisonResolvers<ContextType>;
  RunConnection?: RunConnectionResolvers<ContextType>;
  RunEdge?: RunEdgeResolvers<ContextType>;
  RunEvent?: RunEventResolvers<ContextType>;
  RunLaunch?: RunLaunchResolvers<ContextType>;
  RunMetricResult?: RunMetricResultResolvers<ContextType>;
  RunStatusCount?: RunStatusCountResolvers<ContextType>;
  SavedView?: SavedViewResolvers<ContextType>;
  SeriesColumns?: SeriesColumnsResolvers<ContextType>;
  SeriesPoint?: SeriesPointResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Sweep?: SweepResolvers<ContextType>;
  SweepParameter?: SweepParameterResolvers<ContextType>;
  SweepPoint?: SweepPointResolvers<ContextType>;
  TruncateMetricsResult?: TruncateMetricsResultResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

