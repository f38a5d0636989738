/**
 * The bridge's error base: every error that crosses a boundary carries a stable `code`
 * so that callers, logs and HTTP answers can act on it without parsing messages.
 */
export class BridgeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** ioredis's own errors for a command that never got an answer (connection lost, retries used up). */
const LOST_COMMAND = new Set(['AbortError', 'InterruptError', 'MaxRetriesPerRequestError']);
/** ioredis's messages for a command refused while the connection is down, or not answered in time. */
const OFFLINE = /^(Connection is closed|Stream isn't writeable|Command timed out)/;
/** Redis answers that depend on the server's state, not on the command (see the Redis docs on each). */
const STATE_REPLY = /^(OOM|READONLY|LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|EXECABORT)\b/;
/** Socket errors on the way to Redis. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Whether `err` says Redis cannot serve anyone right now, rather than something about the request:
 * the connection is down or closed, the server is out of memory (`noeviction`: an intake or queue
 * at the memory bound), read-only after a failover, loading its data, busy with a script. The same
 * request succeeds once Redis is back, so a sender must be told to retry (503), never refused.
 */
export function isStoreUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  if (err instanceof BridgeError) return err.code === 'queue_unavailable';
  if (LOST_COMMAND.has(err.name) || OFFLINE.test(err.message)) return true;
  if (err.name === 'ReplyError' && STATE_REPLY.test(err.message)) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK.has(code)) return true;
  return isStoreUnavailable(err.cause, depth + 1);
}
