/**
 * One of the read-budget benchmark's processes: from a cold start (no token yet), reads as fast as
 * its ExpereoClient allows from startAt until endAt, with many reads waiting at once. Prints one
 * JSON line of counts.
 * argv: baseUrl tokenUrl clientId clientSecret redisUrl prefix readLimit readBurst allowance startAt endAt
 */
import { loadConfig } from '../../src/config/config.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { ExpereoClient } from '../../src/expereo/client.js';
import { closeRedis, createRedis, waitReady } from '../../src/redis.js';
import { stateKeys } from '../../src/state/state-keys.js';

const [baseUrl, tokenUrl, clientId, clientSecret, redisUrl, prefix, readLimit, readBurst, allowance, startAt, endAt] = process.argv.slice(2) as string[];
const config = loadConfig({
  EXPEREO_READ_LIMIT: readLimit,
  EXPEREO_READ_BURST: readBurst,
  EXPEREO_BUDGET_ALLOWANCE: allowance,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: prefix,
});
const redis = createRedis(config.redis.url, 'worker', 'read-budget-bench');
const client = new ExpereoClient({
  ...config.expereo,
  baseUrl: baseUrl!,
  tokenUrl: tokenUrl!,
  clientId: clientId!,
  clientSecret: clientSecret!,
  redis,
  keys: stateKeys(prefix!),
});

await waitReady(redis);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const deadline = new AbortController();
setTimeout(() => deadline.abort(), Math.max(0, Number(endAt) - Date.now()));
const counts = { ok: 0, rateLimited: 0, errors: 0, slotsMissed: 0 };
const accounts = ['ACC-98000001', 'ACC-98000002', 'ACC-98000003'];

async function loop(n: number): Promise<void> {
  for (let i = n; !deadline.signal.aborted; i++) {
    try {
      await client.account(accounts[i % accounts.length]!, { signal: deadline.signal, maxWaitMs: 600_000 });
      counts.ok++;
    } catch (err) {
      if (deadline.signal.aborted) return;
      if (err instanceof ExpereoApiError && err.code === 'rate_limited') counts.rateLimited++;
      else counts.errors++;
    }
  }
}

await Promise.all(Array.from({ length: 20 }, (_, n) => loop(n)));
counts.slotsMissed = client.slotsMissed;
await client.close();
await closeRedis(redis);
process.stdout.write(`${JSON.stringify(counts)}\n`);
