import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { closeRedis, createRedis, waitReady } from '../../src/redis.js';
import { scanKeys } from './env.js';

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
  await scanKeys(redis, `${prefix}:*`, (keys) => redis.del(...keys));
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
