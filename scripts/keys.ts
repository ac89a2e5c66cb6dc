// `npm run keys -- create --name ci --scopes read,log [--experiments cats,dogs]` | `list [--all]` | `revoke <id|prefix>`
// Manages API keys directly in the database (DATABASE_URL, else the embedded one under DATA_DIR), so the first
// keys can be made before any key exists and without a running server. A new key is printed once, only here.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ApiKeyRow,
  AuthService,
  EnvError,
  loadEnv,
  migrate,
  SCOPES,
  type Scope,
  startEmbeddedPostgres,
} from '@runboard/server/admin';
import pg from 'pg';

const USAGE = `usage:
  npm run keys -- create --name NAME --scopes ${SCOPES.map((s) => s.toLowerCase()).join(',')} [--experiments ID_OR_NAME,...]
  npm run keys -- list [--all]
  npm run keys -- revoke ID_OR_PREFIX`;

class UsageError extends Error {}

/** The database to use; a running server's embedded PostgreSQL is used as it is (and left running). */
async function openDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const env = loadEnv();
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, close: async () => {} };
  const embeddedUrl = `postgresql://runboard:runboard@127.0.0.1:${env.EMBEDDED_PG_PORT}/runboard`;
  const probe = new pg.Client({ connectionString: embeddedUrl, connectionTimeoutMillis: 2000 });
  const running = await probe.connect().then(
    () => true,
    () => false,
  );
  await probe.end().catch(() => {});
  if (running) return { url: embeddedUrl, close: async () => {} };
  const db = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'pg'), env.EMBEDDED_PG_PORT, () => {});
  return { url: db.url, close: () => db.stop() };
}

function describe(k: ApiKeyRow): string {
  const limits = k.experiments.length ? ` experiments=${k.experiments.join(',')}` : '';
  const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never';
  const state = k.revokedAt ? ` REVOKED ${k.revokedAt.toISOString()}` : '';
  return `${k.id}  rb_${k.prefix}_…  ${k.name}  scopes=${k.scopes.join(',')}${limits}  last used ${used}${state}`;
}

function parseScopes(raw: string | undefined): Scope[] {
  const scopes = (raw ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (!scopes.length || unknown.length) {
    throw new UsageError(
      `--scopes: give some of ${SCOPES.join(', ').toLowerCase()}${unknown.length ? ` (not ${unknown})` : ''}`,
    );
  }
  return scopes as Scope[];
}

async function run(auth: AuthService, command: string | undefined, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      experiments: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
  if (command === 'create') {
    if (!values.name) throw new UsageError('--name is required');
    const experiments = values.experiments
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const { key, apiKey } = await auth.create({ name: values.name, scopes: parseScopes(values.scopes), experiments });
    console.log(describe(apiKey));
    console.log(`\n${key}\n\nThis is the only time the key is shown; the server keeps only its sha256.`);
  } else if (command === 'list') {
    const keys = await auth.list(values.all ?? false);
    console.log(keys.length ? keys.map(describe).join('\n') : 'no API keys');
  } else if (command === 'revoke') {
    if (positionals.length !== 1) throw new UsageError('revoke takes one key id or prefix');
    console.log(describe(await auth.revoke(positionals[0]!.replace(/^rb_/, '').replace(/_.*$/, ''))));
  } else {
    throw new UsageError(command ? `unknown command ${command}` : 'give a command');
  }
}

const [command, ...rest] = process.argv.slice(2);
let db: { url: string; close(): Promise<void> } | null = null;
let pool: pg.Pool | null = null;
try {
  db = await openDatabase();
  await migrate(db.url);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await run(await AuthService.start(pool, undefined), command, rest);
} catch (e) {
  const usage = e instanceof UsageError;
  console.error(
    usage ? `${e.message}\n${USAGE}` : e instanceof EnvError || (e as any)?.extensions ? (e as Error).message : e,
  );
  process.exitCode = usage ? 2 : 1;
} finally {
  await pool?.end();
  await db?.close();
}
