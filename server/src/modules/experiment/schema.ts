export const experimentTypeDefs = /* GraphQL */ `
  """
  An experiment groups the runs that answer one question (e.g. "cats-vs-dogs"), like a W&B project
  or an MLflow experiment. Names are unique.
  """
  type Experiment {
    "Stable identifier (UUID)."
    id: ID!
    "Unique, human-chosen name."
    name: String!
    "Free text describing the question the experiment asks."
    description: String!
    "Labels for grouping and search."
    tags: [String!]!
    "When the experiment was created."
    createdAt: DateTime!
    "When the experiment itself (not its runs) last changed."
    updatedAt: DateTime!
    "How many runs the experiment has in each status; statuses with no runs are omitted."
    runCounts: [RunStatusCount!]!
    "Total number of runs."
    runCount: Int!
    "The most recent time any run of this experiment changed or logged, or null when it has no runs."
    lastActivityAt: DateTime
    """
    The distinct config paths of the experiment's runs, flattened and dotted (\`augmentation.flip\`),
    alphabetical, at most 2,000: what \`config.<path>\` in a filter can name. Metric keys: Query.metricKeys.
    """
    configKeys: [String!]!
    "The experiment's runs; same arguments as Query.runs without the experiment part of the filter."
    runs(
      "Predicates in the filter language, e.g. \`config.lr < 1e-4 AND metrics.val_acc >= 0.9\`."
      where: String
      "Only runs in one of these statuses."
      status: [RunStatus!]
      "Only runs carrying every one of these tags."
      tags: [String!]
      "false (default): runs that are not archived; true: only archived runs; null: both."
      archived: Boolean = false
      "Sort keys (at most 10), applied in order; the run id breaks ties."
      orderBy: [RunOrder!]
      "Page size (1..500)."
      first: Int = 50
      "Cursor of the last run of the previous page."
      after: String
    ): RunConnection!
  }

  "A count of runs in one status."
  type RunStatusCount {
    "The status."
    status: RunStatus!
    "How many runs are in it."
    count: Int!
  }

  "Fields of a new experiment."
  input CreateExperimentInput {
    "Unique name, 1..200 characters."
    name: String!
    "Description, up to 10,000 characters."
    description: String = ""
    "Up to 100 tags of 1..64 characters."
    tags: [String!] = []
  }

  "Changes to an experiment; omitted fields stay as they are."
  input UpdateExperimentInput {
    "New unique name."
    name: String
    "New description."
    description: String
    "Replaces the tag list."
    tags: [String!]
  }

  "What happened to an experiment (experimentsChanged)."
  enum ExperimentChangeKind {
    "The experiment was created (by createExperiment, or by a run naming a new experiment)."
    CREATED
    "Its name, description or tags changed."
    UPDATED
    "It was deleted, with its runs."
    DELETED
    "One of its runs was created, changed status (or was edited) or was deleted: its counts and last activity moved."
    RUNS_CHANGED
    """
    Changes may have been missed (the server lost its database connection for a while), or the subscriber asked
    for \`startWithResync\`: read the list again.
    """
    RESYNC
  }

  "One change to one experiment."
  type ExperimentChange {
    "The experiment; null for RESYNC."
    experimentId: ID
    "What happened."
    kind: ExperimentChangeKind!
    "The experiment as it is now; null once deleted, and for RESYNC."
    experiment: Experiment
  }

  extend type Subscription {
    """
    Experiments created, changed or deleted, and experiments whose runs changed: what a list of experiments needs to
    stay current. A key limited to some experiments hears only of those (by id, or by the name the experiment has
    when the change happens). Metric points do not count as changes (follow runs with metricsLogged).
    """
    experimentsChanged(
      """
      true: the stream starts with one RESYNC, sent once the server is listening. A list read before subscribing
      and read again on that RESYNC misses nothing committed in between (there is no seq to replay from).
      """
      startWithResync: Boolean = false
    ): ExperimentChange!
  }

  extend type Query {
    "Experiments, most recently active first."
    experiments(
      "Case-insensitive substring of the name, description or a tag."
      search: String
      "At most this many (1..1000)."
      first: Int = 200
    ): [Experiment!]!
    "One experiment by id or by name (give exactly one); null when it does not exist."
    experiment(id: ID, name: String): Experiment
  }

  extend type Mutation {
    "Creates an experiment. Fails with ALREADY_EXISTS when the name is taken."
    createExperiment(input: CreateExperimentInput!): Experiment!
    "Renames or re-describes an experiment."
    updateExperiment(id: ID!, input: UpdateExperimentInput!): Experiment!
    "Deletes an experiment with all its runs, metrics and artifact records. Returns the id."
    deleteExperiment(id: ID!): ID!
  }
`;
