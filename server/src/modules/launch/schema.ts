export const launchTypeDefs = /* GraphQL */ `
  "Fields of a run to launch through the queue."
  input LaunchRunInput {
    "The experiment, by id."
    experimentId: ID
    "The experiment, by name; created when it does not exist yet (as createRun does), once the launch is valid."
    experimentName: String
    "Display name; default \`run-<n>\`."
    name: String
    """
    The agent entry point to run (see Agent.entryPoints): default \`vgg16\`, the built-in trainer. Letters,
    digits, _ and - (1..64). Only an agent that registered this name claims the run; the program it starts is
    the agent's own (no request can name a command). While no online agent has it, the run stays QUEUED
    (RunLaunch.waitingReason says so).
    """
    entryPoint: String
    """
    The run's configuration. For the built-in trainer it is validated against the trainer's own schema
    (Query.trainerConfigSchema): unknown or ill-typed fields are rejected with BAD_USER_INPUT and nothing is
    queued; it is stored with defaults filled in, \`experiment\` comes from the launch and \`server\` and
    \`apiKey\` are the agent's. For any other entry point it is any JSON object, stored and handed to the
    program as it is (a JSON file named by RUNBOARD_CONFIG).
    """
    config: JSON!
    "Labels."
    tags: [String!]
    "Notes."
    notes: String
    "Only agents carrying every one of these labels may run it (e.g. [\\"gpu\\"])."
    labels: [String!]
    "How many times the run is requeued if its agent dies (stops renewing its lease); then it is CRASHED. Default 0."
    retries: Int
    "Higher runs first. Default 0."
    priority: Int
  }

  "How a run came through the queue (null for runs a trainer registered itself)."
  type RunLaunch {
    "Labels an agent needs to run it."
    labels: [String!]!
    "Requeues allowed when an agent loses the lease."
    retries: Int!
    "0 on the first hand-out to an agent, then 1, 2, ... after each lease lost."
    attempt: Int!
    "The agent running (or last running) it."
    agent: Agent
    "When a cancel was requested."
    cancelRequestedAt: DateTime
    "The agent entry point that runs it (\`vgg16\`: the built-in trainer)."
    entryPoint: String!
    "True while the run is QUEUED and no online agent could take it (none with its entry point and labels)."
    waitingForAgent: Boolean!
    """
    While waitingForAgent: why, e.g. \`no online agent has the entry point "keras-seed"\` or
    \`no online agent with the entry point "vgg16" has the labels gpu\`. Null otherwise.
    """
    waitingReason: String
    "The sweep it belongs to."
    sweep: Sweep
  }

  """
  A program an agent runs for launched runs, registered by the agent (\`--entry-point name="command args"\`).
  The built-in VGG16 trainer is \`vgg16\`.
  """
  type EntryPoint {
    "The name launches use (LaunchRunInput.entryPoint)."
    name: String!
    "The program and its arguments as the agent starts them (for display: the agent runs its own copy)."
    command: [String!]!
    "True for the built-in trainer, whose config follows Query.trainerConfigSchema; others take any JSON object."
    builtin: Boolean!
  }

  "An entry point an agent declares at registration."
  input EntryPointInput {
    "Letters, digits, _ and - (1..64)."
    name: String!
    "The program and its arguments (at most 256 words of 4096 characters); may be empty for the built-in trainer."
    command: [String!]!
  }

  "A trainer agent: a process on some machine that claims queued runs and starts a trainer for each."
  type Agent {
    "Chosen by the agent at start (UUID)."
    id: ID!
    "Display name."
    name: String!
    "Host name of its machine."
    host: String!
    "What it offers (e.g. gpu, a100)."
    labels: [String!]!
    "GPU indices it hands out, one per run."
    gpus: [String!]!
    "How many runs it runs at once."
    concurrency: Int!
    "The programs it runs, by name; it claims only runs launched for one of them."
    entryPoints: [EntryPoint!]!
    "Whether it renewed its leases recently."
    online: Boolean!
    "When it started."
    startedAt: DateTime!
    "When the server last heard from it."
    lastSeenAt: DateTime!
    "Runs it is running now (for a key limited to experiments: only runs of those)."
    runs: [Run!]!
    """
    How many runs it holds now, of every experiment. For a key limited to experiments, \`runs\` lists only
    runs of those; the others show only in this count.
    """
    activeRunCount: Int!
    """
    What it reported at registration: node, platform, cpus, and what runs launched on it can use:
    dataRoots (folders relative data paths resolve under), datasets ([{name, cached}], the named data
    sets it can fetch or has cached) and folders (names under a data root holding a train/ folder).
    """
    info: JSON!
  }

  "What an agent tells the server about itself."
  input RegisterAgentInput {
    "A UUID the agent generates once per process."
    id: ID!
    "Display name."
    name: String!
    "Host name."
    host: String!
    "Labels it offers."
    labels: [String!]
    "GPU indices."
    gpus: [String!]
    "Runs at once."
    concurrency: Int!
    "Free-form details (versions, engines)."
    info: JSON
    "Its entry points (at most 100); default: the built-in trainer alone."
    entryPoints: [EntryPointInput!]
  }

  "A run handed to an agent."
  type RunAssignment {
    "The run (QUEUED until its trainer calls startRun)."
    run: Run!
    "The attempt number the lease is for."
    attempt: Int!
    "Renew the lease more often than this (every leaseSeconds / 4 is what agents do)."
    leaseSeconds: Int!
  }

  "Answer to a lease renewal."
  type LeaseRenewal {
    "Runs whose cancel was requested: send the trainer SIGTERM."
    cancel: [ID!]!
    "Runs this agent no longer holds (lease expired, run requeued elsewhere): stop them."
    lost: [ID!]!
    """
    Runs that reached a final state while this agent held them (their trainer finished, failed or cancelled
    them): the trainer is exiting by itself. Stop it only if it is still running a grace period later.
    """
    ended: [ID!]!
  }

  "Which output stream a log line came from."
  enum LogStream {
    "Standard output."
    STDOUT
    "Standard error."
    STDERR
  }

  "One line of trainer output."
  type LogLine {
    "Line number within the run, from 1, without gaps."
    line: Int!
    "Stream."
    stream: LogStream!
    "The text (up to 16 KiB)."
    text: String!
    "When the agent read it."
    time: DateTime!
  }

  "A page of log lines."
  type LogPage {
    "Lines in order."
    lines: [LogLine!]!
    "Whether more lines follow."
    hasMore: Boolean!
  }

  "New log lines of a run."
  type LogEvent {
    "The run."
    runId: ID!
    "The lines, in order."
    lines: [LogLine!]!
  }

  "A log line sent by an agent."
  input LogLineInput {
    "Stream."
    stream: LogStream!
    "Text without the newline."
    text: String!
    "When it was read; default now."
    time: DateTime
  }

  "Queue state."
  type QueueStatus {
    "Runs waiting for an agent."
    queued: Int!
    "Runs handed to agents and not ended."
    running: Int!
    "Agents online now."
    agentsOnline: Int!
  }

  extend type Run {
    "Queue details, for runs started with launchRun or launchSweep."
    launch: RunLaunch
    "Trainer output, by line number."
    logs(
      "Only lines after this number."
      after: Int = 0
      "At most this many (1..10000)."
      first: Int = 1000
    ): LogPage!
    "Whether a cancel was requested (trainers registered without an agent should stop when this is true)."
    cancelRequested: Boolean!
  }

  extend type Query {
    "Agents, most recently seen first."
    agents: [Agent!]!
    "The JSON Schema of a trainer config (what launchRun validates against)."
    trainerConfigSchema: JSON!
    "How many runs wait and run, and how many agents are online."
    queueStatus: QueueStatus!
  }

  extend type Mutation {
    "Validates the config and queues a run for an agent. Fails with BAD_USER_INPUT (listing every problem) and queues nothing when the config is wrong."
    launchRun(input: LaunchRunInput!): Run!
    """
    Cancels a run: a QUEUED run leaves the queue and is CANCELED at once; a running one is stopped by its agent
    (SIGTERM, then SIGKILL after a grace period) and ends CANCELED. Cancelling a CANCELED run again is a no-op
    (safe to retry); FINISHED and FAILED runs give INVALID_STATE_TRANSITION.
    """
    cancelRun(id: ID!): Run!
    """
    Agent protocol: announce an agent (idempotent). The agent belongs to the calling key: only that key (or ADMIN)
    may re-register it or call claimRuns, renewLeases and reportRunExit for it; others get FORBIDDEN.
    """
    registerAgent(input: RegisterAgentInput!): Agent!
    "Agent protocol: take up to \`max\` queued runs the agent's labels allow, each with a lease."
    claimRuns(agentId: ID!, max: Int!): [RunAssignment!]!
    "Agent protocol: renew the leases of the agent's runs."
    renewLeases(agentId: ID!, runIds: [ID!]!): LeaseRenewal!
    "Agent protocol: a trainer process ended; ends the run if the trainer did not."
    reportRunExit(agentId: ID!, runId: ID!, exitCode: Int, signal: String, error: String): Run!
    """
    Agent protocol: append trainer output lines; returns the number of the last line. Only for a run held by an
    agent of the calling key (or by ADMIN); otherwise FORBIDDEN.
    """
    appendRunLogs(runId: ID!, lines: [LogLineInput!]!): Int!
  }

  extend type Subscription {
    "Live tail of a run's output: replays lines after \`afterLine\`, then streams new ones."
    runLogs(runId: ID!, afterLine: Int = 0): LogEvent!
  }
`;
