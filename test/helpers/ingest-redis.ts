import { Redis } from 'ioredis';

/** Keys matching `pattern` (SCAN, never KEYS): counted, or unlinked as they are found. */
export async function countKeys(url: string, pattern: string): Promise<number> {
  return scanKeys(url, pattern, async () => undefined);
}

export async function dropKeys(url: string, pattern: string): Promise<number> {
  return scanKeys(url, pattern, async (redis, keys) => {
    await redis.unlink(...keys);
  });
}

async function scanKeys(url: string, pattern: string, each: (redis: Redis, keys: string[]) => Promise<void>): Promise<number> {
  const redis = new Redis(url);
  let cursor = '0';
  let count = 0;
  try {
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
      if (keys.length) await each(redis, keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return count;
}
