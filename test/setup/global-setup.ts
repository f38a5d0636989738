import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Finds the Redis the tests use: REDIS_URL, else one on 127.0.0.1:6379, else a container when a
 * container runtime is available, else stops with a clear message. Test files isolate themselves
 * by key prefix, so they share it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(wanted)) {
    project.provide('redisUrl', wanted);
    return async () => undefined;
  }
  let container: { stop(): Promise<unknown>; getHost(): string; getMappedPort(p: number): number } | undefined;
  try {
    const { GenericContainer } = await import('testcontainers');
    container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
  } catch (err) {
    throw new Error(
      `No Redis for the tests: nothing answers at ${wanted} and no container could be started ` +
        `(${(err as Error).message.split('\n')[0]}). Start one with "redis-server --port 6379" or set REDIS_URL.`,
    );
  }
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  project.provide('redisUrl', url);
  return async () => {
    await container?.stop();
  };
}
