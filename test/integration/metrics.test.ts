import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { OwnRedis } from '../helpers/redis-server.js';

/** What the alerting rules need to know that the other metrics cannot tell: token refreshes and Redis reachability. */
let redis: OwnRedis;
let bridge: TestBridge;
beforeAll(async () => {
  redis = await OwnRedis.start();
  bridge = await startTestBridge({ workers: false, env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await bridge?.close();
  await redis?.close();
});

async function scrape(): Promise<string> {
  const res = await bridge.app.inject({ url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The value of one series in a scrape (`series` written as exposed, labels included). */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function sandboxHook(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${bridge.sandbox.baseUrl}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

const OK = 'bridge_upstream_token_fetches_total{result="ok"}';
const FAILED = 'bridge_upstream_token_fetches_total{result="failed"}';

describe('metrics for alerting', () => {
  it('count token requests by result, both series there before the first failure', async () => {
    const start = await scrape();
    expect(valueOf(start, FAILED)).toBe(0);
    await bridge.core.expereo.account('ACC-98000001');
    const before = await scrape();
    expect(valueOf(before, OK)).toBeGreaterThanOrEqual(1);

    // Every token dies and the next token request is refused: the call that needed it fails.
    await sandboxHook('/sandbox/tokens/revoke');
    await sandboxHook('/sandbox/faults', { kind: 'status', status: 503, count: 1, pathPrefix: '/oauth2' });
    await expect(bridge.core.expereo.account('ACC-98000001')).rejects.toThrow();
    const refused = await scrape();
    expect(valueOf(refused, FAILED)! - valueOf(before, FAILED)!).toBe(1);
    expect(valueOf(refused, OK)).toBe(valueOf(before, OK));

    await bridge.core.expereo.account('ACC-98000001');
    const after = await scrape();
    expect(valueOf(after, OK)! - valueOf(before, OK)!).toBe(1);
    expect(valueOf(after, FAILED)).toBe(valueOf(refused, FAILED));
  });

  it('tell whether Redis answers, while it is down and once it is back', async () => {
    expect(valueOf(await scrape(), 'bridge_redis_up')).toBe(1);
    await redis.stopProcess();
    try {
      await eventually(async () => valueOf(await scrape(), 'bridge_redis_up') === 0, 10_000, 100);
    } finally {
      await redis.startProcess();
    }
    await eventually(async () => valueOf(await scrape(), 'bridge_redis_up') === 1, 15_000, 100);
  });
});
