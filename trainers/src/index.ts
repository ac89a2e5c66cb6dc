// The trainers package's public surface for code outside it: the agent, which `npm start` runs beside the
// server, and the parser of its --entry-point flags. The trainer itself is started as a program (src/cli.ts).
export { Agent, type AgentOptions, DEFAULT_TRAINER } from './agent/agent.ts';
export { entryPointsOf } from './agent/command-line.ts';
