import { Redis } from 'ioredis';

/** What the bridge needs to know of its upstream (a running sandbox satisfies it). */
export interface UpstreamCredentials {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The environment of a bridge on a given Redis prefix against a given upstream, for tests and
 * benchmarks that build a core or start the real entry point; `extra` wins.
 */
export function bridgeEnv(redisUrl: string, prefix: string, upstream: UpstreamCredentials, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    EXPEREO_BASE_URL: upstream.baseUrl,
    EXPEREO_TOKEN_URL: upstream.tokenUrl,
    EXPEREO_CLIENT_ID: upstream.clientId,
    EXPEREO_CLIENT_SECRET: upstream.clientSecret,
    ...extra,
  };
}

/** Hands the keys matching `pattern` to `each`, a batch at a time (SCAN, never KEYS); resolves with how many there were. */
export async function scanKeys(redis: Redis, pattern: string, each: (keys: string[]) => Promise<unknown> = async () => undefined): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
    if (keys.length) await each(keys);
  } while (cursor !== '0');
  return count;
}

/** Runs `work` on a connection of its own, closed afterwards. */
async function withConnection<T>(redisUrl: string, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  await withConnection(redisUrl, (redis) => scanKeys(redis, `${prefix}:*`, (keys) => redis.unlink(...keys)));
}

/**
 * Deletes the keys of several prefixes in one pass over the keyspace (a pass per prefix takes
 * minutes on a Redis shared with benchmarks that hold millions of keys).
 */
export async function deleteKeysOf(redisUrl: string, prefixes: Iterable<string>): Promise<void> {
  const wanted = new Set(prefixes);
  if (wanted.size === 0) return;
  const list = [...wanted];
  let common = list[0]!;
  for (const p of list) while (!p.startsWith(common)) common = common.slice(0, -1);
  const glob = common.replace(/[*?[\]\\]/g, '\\$&');
  await withConnection(redisUrl, (redis) =>
    scanKeys(redis, `${glob}*`, async (keys) => {
      const ours = keys.filter((k) => wanted.has(k.slice(0, k.indexOf(':'))));
      if (ours.length) await redis.unlink(...ours);
    }),
  );
}

/** How many keys match `pattern`. */
export function countKeys(redisUrl: string, pattern: string): Promise<number> {
  return withConnection(redisUrl, (redis) => scanKeys(redis, pattern));
}
