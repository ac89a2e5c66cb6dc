export const runTypeDefs = /* GraphQL */ `
  """
  Lifecycle of a run. QUEUED -> RUNNING -> FINISHED | FAILED | CANCELED; a RUNNING run whose heartbeat
  stops becomes CRASHED, and a CRASHED run that heartbeats or logs again is RUNNING once more.
  FINISHED, FAILED and CANCELED are final.
  """
  enum RunStatus {
    "Registered, not started yet."
    QUEUED
    "Training; expected to heartbeat."
    RUNNING
    "Ended normally."
    FINISHED
    "Ended with an error reported by the trainer."
    FAILED
    "Stopped heartbeating for longer than the server's timeout."
    CRASHED
    "Stopped on request."
    CANCELED
  }

  "One training run: its configuration, lifecycle and metrics."
  type Run {
    "Stable identifier (UUID)."
    id: ID!
    "Id of the experiment the run belongs to."
    experimentId: ID!
    "The experiment the run belongs to."
    experiment: Experiment!
    "Display name, unique only by convention."
    name: String!
    "Where the run is in its lifecycle."
    status: RunStatus!
    "Hyperparameters, as given at creation (JSON object)."
    config: JSON!
    """
    Flattened config paths (\`augmentation.flip\`) the launch was given; the rest of \`config\` are the
    trainer's defaults filled in by launchRun/launchSweep. Null for runs made with createRun, whose whole
    config was given. The dashboard's default columns are the given keys that vary.
    """
    userConfigKeys: [String!]
    "Labels."
    tags: [String!]!
    "Archived runs are left out of run lists unless asked for (RunFilter.archived); nothing else changes."
    archived: Boolean!
    "Free-form notes (Markdown)."
    notes: String!
    "Where and how the run executes: host, engines/backends, library versions (JSON object)."
    systemInfo: JSON!
    "When the run was registered."
    createdAt: DateTime!
    "When the run last changed in any way."
    updatedAt: DateTime!
    "When startRun was called."
    startedAt: DateTime
    "When the run reached a final status (or CRASHED)."
    finishedAt: DateTime
    "Last heartbeat, metric batch or start."
    lastHeartbeatAt: DateTime
    "Process exit code reported by finishRun."
    exitCode: Int
    "Error reported by finishRun, or why the server marked the run CRASHED."
    errorMessage: String
    """
    The first line of errorMessage, at most 300 characters: what a table of runs shows (a whole message
    can be a stack trace). A run the trainer's non-finite guard stopped starts with its cause
    ("loss became NaN at epoch 2, batch 14", "training diverged at epoch 1: ...").
    """
    errorSummary: String
    "The run's event sequence number: the seq of its latest event (state change or metric batch)."
    seq: Int!
    """
    Latest value, extremes and count for every metric key (never scans history). With \`keys\`, only
    those (a table showing 2 of a run's 1,500 metrics asks for 2). Without \`keys\`, the run's key count
    times the fields selected is charged against MAX_QUERY_COST before anything is read (QUERY_TOO_COMPLEX
    when a run has more keys than the request can afford: name the keys, or use \`metricKeys\`).
    """
    metrics("Only these keys; all when omitted." keys: [String!]): [MetricSummary!]!
    "Summary of one metric key, or null when it was never logged."
    metric(key: String!): MetricSummary
    "Raw history of one metric, by ascending step."
    history(
      "Metric key."
      key: String!
      "Only steps greater than this."
      afterStep: Int
      "At most this many points (1..100000)."
      first: Int = 10000
    ): [MetricPoint!]!
    "Files and models recorded for the run."
    artifacts: [Artifact!]!
  }

  "A page of runs."
  type RunConnection {
    "The runs of this page with their cursors."
    edges: [RunEdge!]!
    "The runs of this page."
    nodes: [Run!]!
    "Where the page sits in the whole result."
    pageInfo: PageInfo!
    "Number of runs matching the filter, over all pages."
    totalCount: Int!
  }

  "A run with the cursor that points just after it."
  type RunEdge {
    "Pass as \`after\` to get the runs that follow this one."
    cursor: String!
    "The run."
    node: Run!
  }

  "Cursor pagination state."
  type PageInfo {
    "Whether more runs follow this page."
    hasNextPage: Boolean!
    "Cursor of the last run of this page."
    endCursor: String
  }

  "Sort direction."
  enum SortDirection {
    "Smallest first; nulls last."
    ASC
    "Largest first; nulls last."
    DESC
  }

  """
  A sort key: \`name\`, \`status\`, \`createdAt\`, \`startedAt\`, \`finishedAt\`, \`updatedAt\`,
  \`config.<path>\` (e.g. \`config.optimizer.lr\`), \`metrics.<key>\` (latest value),
  \`min(metrics.<key>)\` or \`max(metrics.<key>)\`.
  """
  input RunOrder {
    "The field to sort on."
    field: String!
    "Direction; nulls always sort last."
    direction: SortDirection = ASC
  }

  "Which runs to return. Every given part must hold (AND)."
  input RunFilter {
    "Only runs of this experiment."
    experimentId: ID
    "Only runs of the experiment with this name."
    experimentName: String
    "Only runs in one of these statuses."
    status: [RunStatus!]
    "Only runs carrying every one of these tags."
    tags: [String!]
    "false (default): runs that are not archived; true: only archived runs; null: both."
    archived: Boolean = false
    """
    Predicates in Runboard's filter language, for example
    \`config.lr < 1e-4 AND metrics.val_acc >= 0.9\`,
    \`(config.optimizer = "adam" OR config.optimizer = "rmsprop") AND NOT status = FAILED\`,
    \`config.batch BETWEEN 16 AND 64\`, \`config.size IN (32, 48)\`, \`tags HAS "baseline"\`,
    \`max(metrics.val_acc) > 0.8\`, \`name ~ "sweep"\` (case-insensitive substring), \`config.seed EXISTS\`.
    Operators: = != < <= > >= ~ BETWEEN IN HAS EXISTS, joined by AND, OR, NOT and parentheses.
    Errors come back with code INVALID_FILTER and the position of the problem; comparing a config
    path with a string when the runs in scope hold only numbers there (or the converse) is such an error.
    """
    where: String
  }

  "Fields of a new run."
  input CreateRunInput {
    "The experiment, by id."
    experimentId: ID
    "The experiment, by name; created when it does not exist yet (like W&B projects)."
    experimentName: String
    "Display name; default \`run-<n>\` numbered within the experiment."
    name: String
    "Hyperparameters: a JSON object of at most 1 MB (default {})."
    config: JSON
    "Labels."
    tags: [String!] = []
    "Free-form notes."
    notes: String = ""
    "Host, engines, versions: a JSON object (default {})."
    systemInfo: JSON
  }

  "Changes to a run; omitted fields stay as they are."
  input UpdateRunInput {
    "New display name."
    name: String
    "Replaces the tag list."
    tags: [String!]
    "Replaces the notes."
    notes: String
  }

  "Changes applied to each of several runs at once (updateRuns); omitted fields stay as they are."
  input BulkRunUpdateInput {
    "Tags added to each run (a tag it already carries is kept once)."
    addTags: [String!]
    "Tags removed from each run."
    removeTags: [String!]
    "Archive (true) or unarchive (false) the runs."
    archived: Boolean
  }

  "How a run ended, as reported by its trainer."
  enum FinalRunStatus {
    "Ended normally."
    FINISHED
    "Ended with an error."
    FAILED
    "Stopped on request."
    CANCELED
  }

  "What kind of change a RunEvent reports."
  enum RunEventKind {
    "The run was created."
    CREATED
    "Status, tags, notes, heartbeat-driven state or other fields changed."
    UPDATED
    "The run was deleted; \`run\` is null."
    DELETED
    """
    Only for \`startWithResync\`: the server is now listening, and runs created (or deleted) that the replay of
    \`since\` does not cover may have been missed: read the list (or its count) again. Sent first, after the
    replay, and again after the server lost its database connection for a while. \`runId\`, \`seq\` and \`run\`
    are null.
    """
    RESYNC
  }

  "A change to a run, delivered to subscribers."
  type RunEvent {
    """
    The run's sequence number after this change; pass the last one you saw as \`since\` to resume.
    Null for RESYNC.
    """
    seq: Int
    "The run the event is about; null for RESYNC."
    runId: ID
    """
    The experiment of the run. Null for RESYNC on \`runIds\`, and for a run followed by \`runIds\` that a replay
    finds deleted (a deleted run's experiment is not kept).
    """
    experimentId: ID
    "What happened."
    kind: RunEventKind!
    "The run as it is now (null when deleted, and for RESYNC)."
    run: Run
  }

  "The last sequence number a subscriber saw for one run."
  input RunSeqInput {
    "The run."
    runId: ID!
    "The last seq received for it; events with a greater seq are replayed."
    seq: Int!
  }

  extend type Query {
    "Runs matching a filter, in the requested order, one page at a time."
    runs(
      "Which runs."
      filter: RunFilter
      "Sort keys (at most 10), applied in order; the run id breaks ties. Default: newest first."
      orderBy: [RunOrder!]
      "Page size (1..500)."
      first: Int = 50
      "Cursor of the last run of the previous page."
      after: String
    ): RunConnection!
    "One run by id; null when it does not exist."
    run(id: ID!): Run
  }

  extend type Mutation {
    "Registers a run (what a trainer does first). It starts QUEUED; call startRun when training begins."
    createRun(input: CreateRunInput!): Run!
    "Marks a QUEUED (or CRASHED) run RUNNING and records where it runs; systemInfo is merged in."
    startRun(id: ID!, systemInfo: JSON): Run!
    "Tells the server the run is alive. A CRASHED run comes back to RUNNING. Returns the run, so a trainer can see a CANCELED status."
    heartbeat(runId: ID!): Run!
    "Ends a run with a final status, its exit code and error message. Repeating it with the status the run already has is a no-op returning the run (safe to retry, also concurrently); another final status gives INVALID_STATE_TRANSITION."
    finishRun(id: ID!, status: FinalRunStatus!, exitCode: Int, error: String): Run!
    "Changes a run's name, tags or notes."
    updateRun(id: ID!, input: UpdateRunInput!): Run!
    "Deletes a run with its metrics and artifact records. Returns the id."
    deleteRun(id: ID!): ID!
    """
    Applies the same change to 1..1000 runs in one transaction: all of them change or none does
    (NOT_FOUND names a missing id). Each changed run gets a runChanged event. Returns the runs.
    """
    updateRuns(ids: [ID!]!, input: BulkRunUpdateInput!): [Run!]!
    """
    Deletes 1..1000 runs with their metrics and artifact records in one transaction: all or none
    (NOT_FOUND names a missing id). Returns the ids.
    """
    deleteRuns(ids: [ID!]!): [ID!]!
  }

  extend type Subscription {
    """
    Changes to runs: of one experiment (\`experimentId\`) or of given runs (\`runIds\`).
    With \`since\`, first replays the current state of every run whose seq is greater than given
    (runs of the experiment not listed count as seq 0), then streams live events without gaps or duplicates.
    A run given in \`since\` (or delivered earlier on this stream) that no longer exists is replayed as DELETED
    (at its given seq + 1), once. By \`runIds\`, such an event has a null \`experimentId\`, and an id that never
    named a run gets the same DELETED: a key limited to some experiments learns nothing of other experiments'
    runs from it (an id of an existing run of another experiment is refused with FORBIDDEN when subscribing).
    An event carries the run as it is when delivered, so changes in quick succession may arrive as one event
    with the newer state and seq: seqs only increase, and the last event always has the current state.
    """
    runChanged(
      "The experiment whose runs to follow (give this or runIds)."
      experimentId: ID
      "The runs to follow (give this or experimentId)."
      runIds: [ID!]
      "The last seq applied per run: changes after these are replayed first."
      since: [RunSeqInput!]
      """
      true: replay only the runs \`since\` lists, not every run of the experiment. What a page that has just read
      some runs passes on its first subscribe, with the seqs it read: a change committed between its read and
      the subscription is replayed, and the runs it did not read (other pages) cost nothing. A change to a run
      not listed, committed just before subscribing, may still arrive as a live event.
      """
      sinceListedOnly: Boolean = false
      """
      true: after the replay of \`since\`, the stream sends one RESYNC, once the server is listening (and again
      after a database outage). A page that read a list before subscribing and reads its count (or the list)
      again on that RESYNC misses no run created in between, which a replay by seq cannot name.
      """
      startWithResync: Boolean = false
    ): RunEvent!
  }
`;
