import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'worker';

/**
 * Opens a Redis connection for one purpose:
 * - `command`: request handlers and producers; fail fast while Redis is unreachable so that a
 *   webhook answers 503 at once instead of holding the caller (no offline queue).
 * - `worker`: BullMQ workers and blocking readers, which must wait out a Redis restart
 *   (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, role: RedisRole, name: string, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...options,
    ...extra,
  });
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

const TAKE_LOCK = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const EXTEND_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Takes the lock `key` for `owner` for `ttlMs`: true if it is the owner's now. Taking it again is
 * a success, so that a command sent again after its reply was lost (ioredis resends what was in
 * flight when it reconnects at once, and a patient connection always does) does not find its own
 * lock and wait for it to lapse.
 */
export async function takeLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await runScript(redis, TAKE_LOCK, 1, key, owner, ttlMs)) === 1;
}

/** Extends the lock `key` if `owner` still holds it. */
export async function extendLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await runScript(redis, EXTEND_LOCK, 1, key, owner, ttlMs)) === 1;
}

/** Releases the lock `key` if `owner` still holds it. */
export async function releaseLock(redis: Redis, key: string, owner: string): Promise<void> {
  await runScript(redis, RELEASE_LOCK, 1, key, owner);
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
