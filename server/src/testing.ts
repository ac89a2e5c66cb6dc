// What tests and benchmarks outside the package need beyond the public surface (index.ts): a database of their own
// (embedded PostgreSQL, migrations) and the NOTIFY channel, to fault the pieces the server is built from. Operator
// scripts use admin.ts; benchmarks that drive the metric store directly, bench.ts.

export { apiErrorOf } from './core/db-errors.ts';
export { connectDatabase } from './db/database.ts';
export { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
export { MIGRATIONS_DIR, MigrationError, migrate } from './db/migrate.ts';
export { mlflowAccess } from './modules/mlflow/access.ts';
export { PgListener } from './pubsub/pg-listener.ts';
export { CHANNEL, topics } from './pubsub/topics.ts';
