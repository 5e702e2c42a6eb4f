import { logger } from '../logger.js';

/** What a 503 answered for a database outage asks clients to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 30;

/**
 * mysql2's codes for "the database cannot be reached": the network (refused, reset, timed out, no
 * route, no such host) and a connection lost or closed under a query — mysql2 marks these `fatal`,
 * which tells them from the same codes of other clients (an HTTP fetch, the directory's LDAP) —
 * and a server that is shutting down or takes no more connections. A query's own error (a duplicate
 * key, a deadlock, a syntax error, access denied) is not among them: that stays a 500.
 */
const FATAL_CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);
const SERVER_CODES = new Set(['ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_NORMAL_SHUTDOWN', 'ER_SHUTDOWN_COMPLETE']);

/** mysql2's pool and connection errors that carry no code, and TypeORM's for a pool not (or no longer) there. */
const CONNECTION_MESSAGES = [
  'Connection is not established with mysql database',
  'Pool is closed.',
  'No connections available.',
  'Queue limit reached.',
  "Can't add new command when connection is in closed state",
  "Can't write in closed state",
];

/** TypeORM's errors for a data source that is not (or no longer) connected. */
const NOT_CONNECTED = new Set(['CannotExecuteNotConnectedError', 'ConnectionIsNotSetError']);

/** The error and what it wraps: TypeORM's QueryFailedError keeps the driver's error as `driverError`, others as `cause`. */
interface ErrorLike { code?: unknown; fatal?: unknown; message?: unknown; name?: unknown; driverError?: unknown; cause?: unknown }
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  let current = error as ErrorLike | undefined;
  while (current && typeof current === 'object' && found.length < 5) {
    found.push(current);
    current = (current.driverError ?? current.cause) as typeof current;
  }
  return found;
}

/** Whether an error means that the database cannot be reached right now (not that a query failed). */
export function isDatabaseOutage(error: unknown): boolean {
  return chain(error).some((e) => (typeof e.code === 'string' && ((e.fatal === true && FATAL_CONNECTION_CODES.has(e.code)) || SERVER_CODES.has(e.code)))
    || (typeof e.message === 'string' && CONNECTION_MESSAGES.includes(e.message))
    || (typeof e.name === 'string' && NOT_CONNECTED.has(e.name)));
}

const LOG_EVERY_MS = 10_000;
let lastLogged = 0;
let unlogged = 0;

/**
 * Logs an outage met by a request: a warning with the driver's code (no stack, no query, no
 * parameter), at most one every ten seconds, counting the 503 answers given meanwhile. The access
 * log has each request; /readyz tells the orchestrator.
 */
export function logDatabaseOutage(error: unknown): void {
  const now = Date.now();
  if (now - lastLogged < LOG_EVERY_MS) {
    unlogged += 1;
    return;
  }
  lastLogged = now;
  const code = chain(error).map((e) => e.code).find((c) => typeof c === 'string');
  logger.warn({ code: code ?? (error as Error | undefined)?.name, earlierUnlogged: unlogged }, 'database unavailable: answering 503 with Retry-After');
  unlogged = 0;
}
