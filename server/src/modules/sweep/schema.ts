export const sweepTypeDefs = /* GraphQL */ `
  "How a sweep picks points of its space."
  enum SweepMethod {
    "Every combination of the listed values (up to maxRuns)."
    GRID
    "maxRuns random draws (lists, uniform, log_uniform, int_uniform), reproducible from the seed."
    RANDOM
  }

  "Which value of the sweep metric stands for a run."
  enum SweepSummary {
    "The last logged value: what the run's saved model scored."
    LAST
    "The best value over all epochs (by the sweep's goal), NaN ignored."
    BEST
  }

  """
  A hyperparameter sweep: runs generated from a space over a base config, queued with bounded parallelism.
  Over a frozen VGG16 base, the trainer's feature cache lets every run after the first skip the conv base.
  """
  type Sweep {
    "Identifier."
    id: ID!
    "Its experiment."
    experiment: Experiment!
    "Name; its runs are named <name>-1, <name>-2, ..."
    name: String!
    "GRID or RANDOM."
    method: SweepMethod!
    "The config every run starts from."
    baseConfig: JSON!
    "The search space as given (plus \`_seed\`)."
    space: JSON!
    "Most runs it creates."
    maxRuns: Int!
    "Most runs running at once."
    parallelism: Int!
    "The metric that ranks runs."
    metric: String!
    "Whether smaller or larger metric values are better."
    goal: MetricGoal!
    "Which value of the metric summarises each run (LAST or BEST)."
    summary: SweepSummary!
    "When it was launched."
    createdAt: DateTime!
    "Its runs, in launch order."
    runs: [Run!]!
    "The run whose summary value (see summary) is best so far (NaN ignored), or null."
    bestRun: Run
    "That run's summary value."
    bestValue: MetricValue
    "Each swept parameter against the metric: one point per run that logged the metric."
    parameters: [SweepParameter!]!
    "Runs per status."
    runCounts: [RunStatusCount!]!
  }

  "One swept parameter across the sweep's runs."
  type SweepParameter {
    "Config path (dotted)."
    name: String!
    "Value and metric per run."
    points: [SweepPoint!]!
  }

  "A run's value of a parameter and its summary value of the sweep metric."
  type SweepPoint {
    "The run."
    runId: ID!
    "The parameter's value in that run's config."
    value: JSON
    "The run's LAST or BEST value of the sweep metric, per the sweep's summary (null until logged)."
    metric: MetricValue
  }

  "A sweep to launch."
  input LaunchSweepInput {
    "The experiment, by id."
    experimentId: ID
    "The experiment, by name; created when it does not exist yet, once the sweep is valid."
    experimentName: String
    "Name; default sweep-<id prefix>."
    name: String
    "The agent entry point every run uses, as LaunchRunInput.entryPoint (default \`vgg16\`, the built-in trainer)."
    entryPoint: String
    """
    Config shared by every run: for the built-in trainer a trainer config (see Query.trainerConfigSchema), for
    another entry point any JSON object. Each run's config is this with its point of the space applied.
    """
    baseConfig: JSON!
    """
    Parameters to vary, keyed by config path: \`{"lr": {"values": [1e-5, 2e-5]}, "units": [128, 256],
    "dropout": {"min": 0, "max": 0.5}, "lr": {"min": 1e-6, "max": 1e-3, "distribution": "log_uniform"}}\`.
    """
    space: JSON!
    "GRID or RANDOM."
    method: SweepMethod!
    "Most runs to create (1..1000)."
    maxRuns: Int!
    "Most runs at once (1..256)."
    parallelism: Int!
    "The metric that ranks runs, e.g. val_acc."
    metric: String!
    "Whether the metric is minimised or maximised."
    goal: MetricGoal!
    "Which value of the metric summarises a run: LAST (default; what the saved model scored) or BEST over epochs."
    summary: SweepSummary = LAST
    "Seed for RANDOM draws."
    seed: Int
    "Agent labels every run needs."
    labels: [String!]
    "Requeues per run when an agent dies."
    retries: Int
  }

  extend type Query {
    "One sweep; null when unknown."
    sweep(id: ID!): Sweep
    "Sweeps, newest first, optionally of one experiment."
    sweeps(experimentId: ID): [Sweep!]!
  }

  extend type Mutation {
    "Creates and queues every run of a sweep in one transaction; any invalid generated config rejects the whole sweep."
    launchSweep(input: LaunchSweepInput!): Sweep!
    """
    Cancels a sweep: its QUEUED runs leave the queue at once (CANCELED) and its RUNNING ones are asked to
    stop (their agents cancel them), exactly as cancelRun does run by run. Runs that already ended are
    left alone, so calling it again is harmless. NOT_FOUND for an unknown sweep.
    """
    cancelSweep(id: ID!): Sweep!
  }
`;
