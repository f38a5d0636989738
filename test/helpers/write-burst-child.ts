/**
 * A separate process sending many writes at once through its own ExpereoClient, from a cold start
 * (no token, no connection), as a freshly started worker would. Prints one JSON line:
 * { ok, rateLimited, otherErrors, slotsMissed, errors }. The parent may start it with
 * NODE_EXTRA_CA_CERTS to reach the API over TLS.
 * argv: baseUrl tokenUrl clientId clientSecret redisUrl prefix writeLimit allowance count caseId
 */
import { loadConfig } from '../../src/config/config.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { ExpereoClient } from '../../src/expereo/client.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { stateKeys } from '../../src/state/state-keys.js';

const [baseUrl, tokenUrl, clientId, clientSecret, redisUrl, prefix, writeLimit, allowance, count, caseId] = process.argv.slice(2) as string[];
const config = loadConfig({
  EXPEREO_BASE_URL: baseUrl,
  EXPEREO_TOKEN_URL: tokenUrl,
  EXPEREO_CLIENT_ID: clientId,
  EXPEREO_CLIENT_SECRET: clientSecret,
  EXPEREO_WRITE_LIMIT: writeLimit,
  EXPEREO_BUDGET_ALLOWANCE: allowance,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: prefix,
});
const redis = createRedis(config.redis.url, 'worker', 'write-burst');
const client = new ExpereoClient({
  ...config.expereo,
  baseUrl: baseUrl!,
  tokenUrl: tokenUrl!,
  clientId: clientId!,
  clientSecret: clientSecret!,
  redis,
  keys: stateKeys(prefix!),
});

let ok = 0;
let rateLimited = 0;
let otherErrors = 0;
const errors: string[] = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      await client.addCaseMessage(caseId!, { message: `burst write ${i}` });
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
const slotsMissed = client.slotsMissed;
await client.close();
await closeRedis(redis);
process.stdout.write(`${JSON.stringify({ ok, rateLimited, otherErrors, slotsMissed, errors: errors.slice(0, 3) })}\n`);
