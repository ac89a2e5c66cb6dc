// The trainers package's public surface for code outside it: the agent, which `npm start` runs beside the
// server. The trainer itself is started as a program (src/cli.ts), never imported.
export { Agent, type AgentOptions, DEFAULT_TRAINER } from './agent/agent.ts';
