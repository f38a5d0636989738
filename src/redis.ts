import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { BridgeError } from './errors.js';

export type RedisRole = 'command' | 'worker';

/**
 * Opens a Redis connection for one purpose:
 * - `command`: request handlers and producers; fail fast while Redis is unreachable so that a
 *   webhook answers 503 at once instead of holding the caller (no offline queue).
 * - `worker`: BullMQ workers and blocking readers, which must wait out a Redis restart
 *   (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, role: RedisRole, name: string, extra: RedisOptions = {}): Redis {
  return listened(new Redis(url, { ...roleOptions(role, name), ...extra }));
}

/** The options of a connection for `role` (see createRedis), whatever the topology. */
export function roleOptions(role: RedisRole, name: string): RedisOptions {
  const options: RedisOptions =
    role === 'worker' ? { maxRetriesPerRequest: null, enableReadyCheck: true } : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  return { connectionName: name, lazyConnect: false, retryStrategy: (attempt) => Math.min(attempt * 200, 2000), ...options };
}

/** A connection with an 'error' listener. */
export function listened<T extends Redis>(redis: T): T {
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Idempotent close: QUIT when connected, otherwise drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

const shas = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA), sending the source only the first time a server has not
 * seen it (NOSCRIPT, e.g. after a restart): hot paths do not resend kilobytes of Lua per call.
 */
export async function runScript(redis: Redis, lua: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
  let sha = shas.get(lua);
  if (sha === undefined) {
    sha = createHash('sha1').update(lua).digest('hex');
    shas.set(lua, sha);
  }
  try {
    return await redis.evalsha(sha, numKeys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(lua, numKeys, ...args);
  }
}

/**
 * `read()`, or undefined if it fails or has not answered within `ms`: a patient connection waits
 * out a Redis outage, and a scrape or an admin view must not wait with it.
 */
export async function readWithin<T>(ms: number, read: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the writes made so far on a connection are on enough replicas; a no-op without any to wait for. */
export type ReplicaAck = () => Promise<void>;

/**
 * `REDIS_ACK_REPLICAS`: replication is asynchronous, so a write a primary acknowledged can be
 * missing on the replica a failover promotes. This resolves once `replicas` replicas confirm every
 * write made so far on `redis` (WAIT), and rejects with `queue_unavailable` (503: the sender tries
 * again; every write is idempotent) when fewer did within `timeoutMs`. It must run on the connection
 * that made the writes: WAIT counts that connection's writes.
 */
export function replicaAck(redis: Redis, replicas: number, timeoutMs: number): ReplicaAck {
  if (replicas <= 0) return async () => undefined;
  return async () => {
    let confirmed: number;
    try {
      confirmed = await redis.wait(replicas, timeoutMs);
    } catch (err) {
      throw new BridgeError('queue_unavailable', 'Redis did not confirm the write on its replicas', { cause: err });
    }
    if (confirmed < replicas) {
      throw new BridgeError('queue_unavailable', `the write reached ${confirmed} of ${replicas} Redis replicas within ${timeoutMs} ms`);
    }
  };
}
