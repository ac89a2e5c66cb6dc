import { GraphQLError } from 'graphql';

/**
 * The one mapping from database failures to API errors. Resolvers and services let database errors
 * propagate; the server's error formatter (http/server.ts) calls `apiErrorOf` once per error.
 *
 * - Connection-level failures (PostgreSQL down or restarting, a killed backend, pool checkout timeout)
 *   become DATABASE_UNAVAILABLE: retryable, HTTP 503 with Retry-After. Nothing was committed, because
 *   every write is one transaction.
 * - Constraint and input errors that validation should have caught become the codes a client can act on,
 *   never INTERNAL_SERVER_ERROR.
 */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** SQLSTATE classes and node errors that mean "the connection, not the statement, failed". */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|EPIPE|Client has encountered a connection error|Connection ended|the database system is (starting up|shutting down|in recovery)|Can't reach database server|Pool is ending|Cannot use a pool after calling end/i;

interface DbErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function codeOf(err: DbErrorLike): string | undefined {
  return typeof err.code === 'string' ? err.code : undefined;
}

export function isConnectionError(err: unknown): boolean {
  for (let e = err as DbErrorLike | undefined, depth = 0; e && depth < 5; e = e.cause as DbErrorLike, depth++) {
    const code = codeOf(e);
    if (code && (CONNECTION_SQLSTATES.has(code) || /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)))
      return true;
    // Prisma's adapter wraps driver errors; P1001 is "can't reach database server".
    if (code === 'P1001' || code === 'P1017') return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** SQLSTATEs of statement errors that are the caller's input, with the API code for each. */
const INPUT_SQLSTATES: Record<string, { code: string; message: string }> = {
  '23505': { code: 'ALREADY_EXISTS', message: 'That already exists.' },
  '23503': { code: 'NOT_FOUND', message: 'A referenced object does not exist.' },
  '22P02': { code: 'BAD_USER_INPUT', message: 'A value has the wrong format.' },
  '22P05': { code: 'BAD_USER_INPUT', message: 'Text contains a character PostgreSQL cannot store (NUL).' },
  '22021': { code: 'BAD_USER_INPUT', message: 'Text is not valid UTF-8.' },
  '22008': { code: 'BAD_USER_INPUT', message: 'A date or time is out of range.' },
  '22003': { code: 'BAD_USER_INPUT', message: 'A number is out of range.' },
  '54001': { code: 'BAD_USER_INPUT', message: 'A value is nested too deeply.' },
  '54000': { code: 'BAD_USER_INPUT', message: 'A value is too large.' },
};

/** The API error for a database error, or null when `err` is not one we recognise (a bug: logged as internal). */
export function apiErrorOf(err: unknown): GraphQLError | null {
  if (err instanceof GraphQLError) return null;
  if (isConnectionError(err)) {
    return new GraphQLError('The database is unavailable right now; retry shortly.', {
      extensions: { code: DATABASE_UNAVAILABLE, retryable: true, http: { status: 503 } },
    });
  }
  const e = err as DbErrorLike;
  const sqlstate = codeOf(e) ?? codeOf((e?.cause ?? {}) as DbErrorLike);
  const known = sqlstate ? INPUT_SQLSTATES[sqlstate] : undefined;
  if (known) return new GraphQLError(known.message, { extensions: { code: known.code, sqlstate } });
  if (sqlstate === 'P2002') return new GraphQLError('That already exists.', { extensions: { code: 'ALREADY_EXISTS' } });
  if (sqlstate === 'P2025') return new GraphQLError('Not found.', { extensions: { code: 'NOT_FOUND' } });
  return null;
}
