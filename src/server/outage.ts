/**
 * Tells an outage of what the plugin stands on (the database, the cache) from everything else.
 * An action that hits one answers 503 TWO_FACTOR_UNAVAILABLE (`withErrors`, the sign-in guard):
 * fail closed with a code the client can show, never a 500 with the driver's message, and
 * nothing issued. Anything not recognised here stays an error.
 */

/** Sequelize's connection errors (every dialect). */
const SEQUELIZE_CONNECTION = /^Sequelize(Connection\w*|HostNotFound|HostNotReachable|InvalidConnection|AccessDenied)Error$/;

/** node-redis: the client lost or could not reach its server. */
const REDIS_CONNECTION = new Set(['ClientClosedError', 'ClientOfflineError', 'ConnectionTimeoutError', 'SocketClosedUnexpectedlyError', 'ReconnectStrategyError', 'DisconnectsClientError']);

/** Sockets that could not connect or were cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL: class 08 (connection exception), 57P01–57P03 (the server is shutting down or
 * starting). MySQL/MariaDB: the server went away or the connection was lost.
 */
const DRIVER_CODES = new Set(['57P01', '57P02', '57P03', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'CR_SERVER_GONE_ERROR', 'CR_SERVER_LOST']);
const DRIVER_MESSAGES = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|The client is closed)$/;

function matches(err: any): boolean {
  if (!err || typeof err !== 'object') return false;
  const name = String(err.name || '');
  const code = typeof err.code === 'string' ? err.code : '';
  return (
    SEQUELIZE_CONNECTION.test(name) ||
    REDIS_CONNECTION.has(name) ||
    NETWORK_CODES.has(code) ||
    DRIVER_CODES.has(code) ||
    code.startsWith('08') ||
    DRIVER_MESSAGES.test(String(err.message || ''))
  );
}

/** True when `err` (or what it wraps: Sequelize's `parent`/`original`, `cause`) is such an outage. */
export function isOutage(err: unknown): boolean {
  let current: any = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (matches(current)) return true;
    current = current.parent ?? current.original ?? current.cause;
  }
  return false;
}
