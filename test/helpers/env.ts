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

/** Deletes every key under `prefix` (connection of its own, closed afterwards). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
