// The server package's public surface, for the repository's `npm start` launcher, tests and benchmarks.
export { type BootedServer, bootServer, stopInOrderOnSignal } from './boot.ts';
export { type Env, EnvError, loadEnv } from './config/env.ts';
export { type RunningServer, type ServerOptions, startServer } from './http/server.ts';
