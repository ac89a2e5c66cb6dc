export const metricTypeDefs = /* GraphQL */ `
  "One logged metric value."
  type MetricPoint {
    "Metric name, e.g. \`val_acc\`."
    key: String!
    "Step (epoch or iteration) the value belongs to."
    step: Int!
    "The value; non-finite values are strings, see MetricValue."
    value: MetricValue!
    "When it was measured (trainer clock)."
    wallTime: DateTime!
  }

  "Latest value and extremes of one metric of one run."
  type MetricSummary {
    "Metric name."
    key: String!
    "Number of points logged."
    count: Int!
    "Smallest step logged."
    firstStep: Int!
    "Largest step logged."
    lastStep: Int!
    "Value at lastStep."
    lastValue: MetricValue!
    "Wall time of lastStep."
    lastWallTime: DateTime!
    "Smallest value, NaN ignored; null while every value is NaN."
    min: MetricValue
    "First step at which min was reached."
    minStep: Int
    "Largest value, NaN ignored; null while every value is NaN."
    max: MetricValue
    "First step at which max was reached."
    maxStep: Int
  }

  "A metric value to log."
  input MetricPointInput {
    "Metric name: 1..250 characters, no control characters."
    key: String!
    "Step, 0..2147483647. Logging the same (run, key, step) again replaces the value."
    step: Int!
    "The value; NaN and infinities as the strings of MetricValue."
    value: MetricValue!
    "When it was measured; default: when the server received it."
    wallTime: DateTime
  }

  """
  A metric batch as parallel arrays (index i is one point): the same points as MetricPointInput objects, much
  cheaper to send and to validate for large batches (a trainer flushing a journal, an import).
  """
  input MetricColumnsInput {
    "Metric name of each point."
    keys: [String!]!
    "Step of each point."
    steps: [Int!]!
    "Value of each point."
    values: [MetricValue!]!
    "Wall time of each point (optional; default: when the server received it)."
    wallTimes: [DateTime!]
  }

  "What logMetrics stored."
  type LogMetricsResult {
    "The run."
    runId: ID!
    "Sequence number of this batch's event."
    seq: Int!
    "Number of distinct (key, step) points written (later duplicates in one batch win)."
    accepted: Int!
  }

  "What truncateMetrics removed."
  type TruncateMetricsResult {
    "The run."
    runId: ID!
    "Number of points removed."
    deleted: Int!
  }

  """
  One metric of one run as a drawable series. Raw points when the series has at most maxPoints of them;
  otherwise buckets of consecutive steps, each carrying its min, max and last value so spikes survive.
  Series up to 8x maxPoints long are bucketed from history (close to maxPoints buckets) unless the request
  would read more than 100,000 raw points that way; then, like longer series, they come from the stored
  rollups (buckets of 16, 32, ... steps; the finest level with at most maxPoints buckets).
  Points are available as objects (\`points\`) or, much cheaper for long series, as columns (\`columns\`).
  """
  type MetricSeries {
    "The run."
    runId: ID!
    "The metric."
    key: String!
    "Whether the points are buckets rather than raw values."
    downsampled: Boolean!
    "Steps per bucket (1 for raw points)."
    bucketSize: Int!
    "Number of raw points in the whole series."
    totalPoints: Int!
    "The points in ascending step order."
    points: [SeriesPoint!]!
    "The same points as parallel columns."
    columns: SeriesColumns!
  }

  "A raw point, or a bucket's last point with the bucket's extremes."
  type SeriesPoint {
    "Step of the (last) point."
    step: Int!
    "Value of the (last) point."
    value: MetricValue!
    "Wall time of the (last) point."
    wallTime: DateTime!
    "Smallest value in the bucket (NaN ignored), equal to value for raw points."
    min: MetricValue
    "Largest value in the bucket (NaN ignored), equal to value for raw points."
    max: MetricValue
  }

  "A series as parallel arrays, index i describing one point."
  type SeriesColumns {
    "Steps."
    step: NumberColumn!
    "Values."
    value: NumberColumn!
    "Bucket minima (null when every value in the bucket is NaN)."
    min: NumberColumn!
    "Bucket maxima."
    max: NumberColumn!
    "Wall times in milliseconds since the Unix epoch."
    wallTime: NumberColumn!
  }

  "Whether smaller or larger is better for a metric."
  enum MetricGoal {
    "Smaller is better (losses, errors)."
    MINIMIZE
    "Larger is better (accuracies, scores)."
    MAXIMIZE
  }

  "Override of the goal the server infers from a metric's name."
  input MetricGoalInput {
    "Metric name."
    key: String!
    "Its goal."
    goal: MetricGoal!
  }

  "Runs side by side: configuration differences and each run's final and best values."
  type RunComparison {
    "The compared runs, in the order asked for."
    runs: [Run!]!
    "Flattened config keys (\`optimizer.lr\`) with one value per run; see \`differs\`."
    config(
      "Only keys whose values are not all equal."
      differencesOnly: Boolean = true
    ): [ConfigRow!]!
    "One entry per metric key logged by any of the runs."
    metrics: [MetricComparison!]!
  }

  "One flattened config key across the compared runs."
  type ConfigRow {
    "Dotted path into config."
    path: String!
    "The value in each run, aligned with RunComparison.runs (null where absent)."
    values: [JSON]!
    "Whether the values are not all equal."
    differs: Boolean!
  }

  "One metric across the compared runs."
  type MetricComparison {
    "Metric name."
    key: String!
    """
    The goal used for \`best\`, unless overridden inferred from the name: loss/error/mse/mae/perplexity/time
    minimise, acc/auc/precision/recall/f1/score/throughput maximise. Null for other names (lr, phase, ...):
    such metrics are not ranked (best and bestRunId null) unless a goal is given in \`goals\`.
    """
    goal: MetricGoal
    "Each run's result, aligned with RunComparison.runs."
    results: [RunMetricResult!]!
    "Id of the run with the best value; null when none logged this key or the metric has no goal."
    bestRunId: ID
  }

  "Final and best value of one metric in one run."
  type RunMetricResult {
    "The run."
    runId: ID!
    "Value at the last step; null when the run never logged the key."
    final: MetricValue
    "The last step."
    finalStep: Int
    "Best value according to the goal (NaN ignored)."
    best: MetricValue
    "First step at which the best value was reached."
    bestStep: Int
  }

  "Points logged in one logMetrics request, delivered to subscribers."
  type MetricsEvent {
    "The run."
    runId: ID!
    "The run's sequence number of this batch; pass the last one you saw as \`since\` to resume."
    seq: Int!
    "The points (only the subscribed keys)."
    points: [MetricPoint!]!
  }

  extend type Query {
    """
    Series for every (run, key) pair, downsampled on the server to at most maxPoints points each.
    Pairs never logged are omitted. Any number of runs, as long as runs x keys x maxPoints (over all
    metricSeries fields of a request) stays within 1,000,000 points; beyond that: QUERY_TOO_COMPLEX.
    """
    metricSeries(runIds: [ID!]!, keys: [String!]!, maxPoints: Int = 1000): [MetricSeries!]!
    "Config differences and final/best metric values of any number of runs."
    compareRuns(runIds: [ID!]!, keys: [String!], goals: [MetricGoalInput!]): RunComparison!
    "Metric keys logged by the given runs or by any run of the experiment, sorted."
    metricKeys(experimentId: ID, runIds: [ID!]): [String!]!
  }

  extend type Mutation {
    """
    Logs a batch of points (any size) in one transaction. Idempotent: a retried batch rewrites the same rows.
    The run must be RUNNING (a CRASHED run is revived); counts as a heartbeat.
    """
    logMetrics(
      "The run."
      runId: ID!
      "The points as objects."
      points: [MetricPointInput!]
      "The points as parallel columns (give points or columns, or both: they are logged together)."
      columns: MetricColumnsInput
    ): LogMetricsResult!
    "Removes every point with step > afterStep, e.g. for a run resumed from a checkpoint."
    truncateMetrics(runId: ID!, afterStep: Int!): TruncateMetricsResult!
  }

  extend type Subscription {
    """
    Points logged to the given runs (optionally only some keys). With \`since\`, first replays every batch
    with a greater seq, then streams live without gaps or duplicates.
    """
    metricsLogged(runIds: [ID!]!, keys: [String!], since: [RunSeqInput!]): MetricsEvent!
  }
`;
