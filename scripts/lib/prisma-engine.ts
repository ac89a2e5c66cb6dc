import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

/**
 * Prisma's schema engine, compiled to WebAssembly, driven through adapter-pg. We use it because the
 * native engine (what `prisma migrate diff/dev` run) cannot be downloaded on our build machines.
 * It never touches the database DATABASE_URL names: it works in scratch databases on that server,
 * created here and dropped on close. Facts behind the workarounds: /work/shared/notes/prisma-offline.md.
 */
export const DEFAULT_DATABASE_URL = 'postgresql://root@127.0.0.1:5432/test';

export type { SchemaEngine };

let loaded: Promise<typeof bg> | undefined;

/**
 * The package's entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20 cannot
 * import, so we instantiate the .wasm ourselves and wire it into the JS glue the same way. The glue
 * keeps the instance in a module-level variable: load once per process.
 */
function loadEngine(): Promise<typeof bg> {
  loaded ??= (async () => {
    // A Rust panic surfaces in JS as a bare "RuntimeError: unreachable"; the engine hands the panic's
    // message to this global first (Prisma's CLI installs the same hook).
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message) => process.stderr.write(`prisma schema engine panicked: ${message}\n`),
    };
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}

/**
 * Separate fields rather than a connection string: adapter-pg builds its shadow pool as
 * `{ ...config, database }`, and pg lets a connectionString override `database`, so the "shadow"
 * would silently be the real database.
 */
function serverConfig(databaseUrl: string): pg.ClientConfig {
  // Only the server and credentials matter: the engine works in its own databases.
  const url = new URL(databaseUrl);
  return {
    host: decodeURIComponent(url.hostname) || undefined,
    port: url.port ? Number(url.port) : undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
  };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * adapter-pg's executeScript splits the script on every ';' (which breaks `$$` bodies and string
 * literals); the engine hands it whole migration files, so send them as one simple-protocol query,
 * which PostgreSQL runs statement by statement anyway.
 */
function wholeScripts(adapter: SqlDriverAdapter & { underlyingDriver(): pg.Pool }): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (e) {
      const err = e as pg.DatabaseError;
      if (typeof err.code !== 'string') throw e;
      // The engine reports driver errors it recognises with their SQLSTATE and detail.
      throw new DriverAdapterError({
        kind: 'postgres',
        code: err.code,
        severity: err.severity ?? 'ERROR',
        message: err.message,
        detail: err.detail,
        column: err.column,
        hint: err.hint,
      });
    }
  };
  return adapter;
}

const CHAR_OID = 18; // PostgreSQL's one-byte internal "char", e.g. pg_constraint.contype
const TEXT_OID = 25;

/**
 * The engine reads the catalogs, whose flag columns are of type "char", which adapter-pg 7.10.1
 * refuses ("Column type 'char' could not be deserialized"). pg already returns them as one-letter
 * strings, so we let them through as text by fixing the column type each result reports.
 */
function reportCharAsText(client: pg.PoolClient): void {
  const fix = <R>(res: R): R => {
    for (const r of Array.isArray(res) ? res : [res]) {
      for (const f of (r as pg.QueryResult | undefined)?.fields ?? [])
        if (f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
    }
    return res;
  };
  type Callback = (err: Error | undefined, res: unknown) => void;
  // client.query has many overloads; this wrapper only forwards its arguments.
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: { submit?: unknown }, values?: unknown, callback?: unknown) => {
    if (typeof config?.submit === 'function') return query(config, values, callback);
    if (typeof values === 'function')
      return query(config, (err: Error | undefined, res: unknown) => (values as Callback)(err, res && fix(res)));
    if (typeof callback === 'function')
      return query(config, values, (err: Error | undefined, res: unknown) =>
        (callback as Callback)(err, res && fix(res)),
      );
    return (query(config, values) as Promise<unknown>).then(fix);
  };
}

/** The engine's "main" database and every shadow database are scratch databases of ours. */
class ScratchDatabases implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  readonly main: string;
  private readonly prefix = `runboard_engine_${process.pid}_${randomBytes(3).toString('hex')}`;
  private readonly created = new Set<string>();
  private readonly open = new Set<SqlDriverAdapter>();
  private shadows = 0;
  private readonly dropping: Promise<Error | undefined>[] = [];

  constructor(private readonly server: pg.ClientConfig) {
    this.main = this.prefix;
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client(this.server);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  async createMain(): Promise<void> {
    await this.admin((c) => c.query(`CREATE DATABASE ${quoteIdent(this.main)}`));
    this.created.add(this.main);
  }

  private async adapterFor(database: string): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ ...this.server, database });
    pool.on('connect', reportCharAsText);
    const adapter = wholeScripts(await new PrismaPg(pool, { disposeExternalPool: true }).connect());
    this.open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      this.open.delete(adapter);
      await dispose();
    };
    return adapter;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.adapterFor(this.main);
  }

  /**
   * Not adapter-pg's own: it drops the shadow database before closing its pool, so the DROP fails
   * ("being accessed by other users") and the database is left behind.
   */
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `${this.prefix}_shadow${++this.shadows}`;
    await this.admin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
    this.created.add(name);
    const adapter = await this.adapterFor(name);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      // A DROP DATABASE takes up to a second on a busy server; nothing waits for it but close().
      this.dropping.push(
        this.drop(name).then(
          () => undefined,
          (e: Error) => e,
        ),
      );
    };
    return adapter;
  }

  private async drop(name: string): Promise<void> {
    await this.admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    this.created.delete(name);
  }

  /** Also cleans up after an engine error, when the engine may not have disposed what it opened. */
  async dropAll(): Promise<void> {
    await Promise.allSettled([...this.open].map((a) => a.dispose()));
    const errors = await Promise.all(this.dropping);
    const results = await Promise.allSettled([...this.created].map((name) => this.drop(name)));
    const failed = [...errors.filter((e) => e), ...results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))];
    if (failed.length)
      throw new AggregateError(failed, `could not drop scratch databases: ${[...this.created].join(', ')}`);
  }
}

export interface EngineSession {
  engine: SchemaEngine;
  /** Frees the engine and drops every scratch database it used; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the engine on a fresh scratch database of DATABASE_URL's server (the role needs CREATEDB).
 * Set PRISMA_ENGINE_LOG=1 to see the engine's own log lines on stderr.
 */
export async function openSchemaEngine(
  databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
): Promise<EngineSession> {
  const wasm = await loadEngine();
  const scratch = new ScratchDatabases(serverConfig(databaseUrl));
  await scratch.createMain();
  try {
    const log = process.env.PRISMA_ENGINE_LOG ? (line: string) => process.stderr.write(`${line}\n`) : () => {};
    // Initial datamodels only tell the engine about multiSchema namespaces, which we do not use.
    const engine = await wasm.SchemaEngine.new(
      { datamodels: undefined },
      log,
      bindMigrationAwareSqlAdapterFactory(scratch),
    );
    let closed: Promise<void> | undefined;
    return {
      engine,
      close() {
        closed ??= (async () => {
          try {
            engine.free();
          } catch {
            // After a panic the wasm instance is unusable and free() throws; the databases still go.
          }
          await scratch.dropAll();
        })();
        return closed;
      },
    };
  } catch (e) {
    await scratch.dropAll();
    throw e;
  }
}
