/**
 * A separate process firing many reads at once through its own ExpereoClient, as a second or third
 * bridge process would. Prints one JSON line: { ok, rateLimited, otherErrors, slotsMissed, ms }.
 * It says "ready" once warm, then starts when the key `<prefix>:go` appears, with the others.
 * argv: baseUrl tokenUrl clientId clientSecret redisUrl prefix readLimit readBurst count allowance
 */
import { loadConfig } from '../../src/config/config.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { ExpereoClient } from '../../src/expereo/client.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { stateKeys } from '../../src/state/state-keys.js';

const [baseUrl, tokenUrl, clientId, clientSecret, redisUrl, prefix, readLimit, readBurst, count, allowance] = process.argv.slice(2) as string[];
const config = loadConfig({
  EXPEREO_BASE_URL: baseUrl,
  EXPEREO_TOKEN_URL: tokenUrl,
  EXPEREO_CLIENT_ID: clientId,
  EXPEREO_CLIENT_SECRET: clientSecret,
  EXPEREO_READ_LIMIT: readLimit,
  EXPEREO_READ_BURST: readBurst,
  EXPEREO_BUDGET_ALLOWANCE: allowance,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: prefix,
});
const redis = createRedis(config.redis.url, 'worker', 'read-burst');
const client = new ExpereoClient({
  ...config.expereo,
  baseUrl: baseUrl!,
  tokenUrl: tokenUrl!,
  clientId: clientId!,
  clientSecret: clientSecret!,
  redis,
  keys: stateKeys(prefix!),
});

await client.account('ACC-98000001'); // token and a warm connection
process.stdout.write('ready\n');
while (!(await redis.exists(`${prefix}:go`))) await new Promise((r) => setTimeout(r, 5));
const started = Date.now();
let ok = 0;
let rateLimited = 0;
let otherErrors = 0;
const errors: string[] = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      await client.account(i % 2 === 0 ? 'ACC-98000001' : 'ACC-98000002');
      ok++;
    } catch (err) {
      if (err instanceof ExpereoApiError && err.code === 'rate_limited') rateLimited++;
      else {
        otherErrors++;
        errors.push(String((err as Error).message));
      }
    }
  }),
);
const ms = Date.now() - started;
await client.close();
await closeRedis(redis);
const slotsMissed = client.slotsMissed;
process.stdout.write(`${JSON.stringify({ ok, rateLimited, otherErrors, slotsMissed, errors: errors.slice(0, 3), ms, started, finished: started + ms })}\n`);
