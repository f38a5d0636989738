import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { closeRedis, createRedis, waitReady } from '../../src/redis.js';

export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test file or run uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

export async function openRedis(name = 'test'): Promise<Redis> {
  const redis = createRedis(redisUrl(), 'worker', name);
  await waitReady(redis);
  return redis;
}

/** Deletes every key under `prefix`, then closes the connection. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await closeRedis(redis);
}

/** Takes a connection down for the time of `fn` (a request handler then sees Redis unreachable). */
export async function withRedisDown<T>(redis: Redis, fn: () => Promise<T>): Promise<T> {
  const ended = new Promise((resolve) => redis.once('end', resolve));
  redis.disconnect();
  await ended;
  try {
    return await fn();
  } finally {
    await redis.connect();
    await waitReady(redis);
  }
}
