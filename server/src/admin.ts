// What the repository's operator scripts need beyond the public surface (index.ts): `npm run db:migrate` (the
// migrations), `npm run keys` (API keys written straight to the database, the embedded one when DATABASE_URL is unset)
// and `npm run schema:print` (the schema the contract is printed from). The environment is exported here too so that
// `npm run keys` need not load the HTTP server that index.ts brings.
export { buildSchema } from './api/schema.ts';
export { EnvError, loadEnv } from './config/env.ts';
export { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
export { MigrationError, migrate } from './db/migrate.ts';
export { SCOPES, type Scope } from './modules/auth/scopes.ts';
export { AuthService } from './modules/auth/service.ts';
export type { ApiKeyRow } from './modules/auth/store.ts';
