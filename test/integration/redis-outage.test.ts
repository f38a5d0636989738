import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/bridge.js';
import { spawnBridge, type BridgeProcess } from '../helpers/processes.js';
import { OwnRedis } from '../helpers/redis-server.js';

const ADMIN_TOKEN = 'outage-test-admin-token';

let redis: OwnRedis;
let bridge: BridgeProcess | undefined;

beforeAll(async () => {
  // A port of the test's own, closed while the bridge starts: Redis never answers at first.
  redis = await OwnRedis.start();
  await redis.stopProcess();
});
afterAll(async () => {
  await bridge?.stop('SIGTERM');
  await redis?.close();
});

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function lines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);
}

const named = (output: string, msg: string) => lines(output).filter((l) => l.msg === msg);

async function readyz(address: string): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${address}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

describe('Redis unreachable at start-up, then back', { timeout: 120_000 }, () => {
  it('listens, stays unready saying why, tells the outage in a few JSON lines, and starts its workers when Redis answers', async () => {
    bridge = spawnBridge({
      REDIS_URL: redis.url,
      REDIS_PREFIX: `test-outage-${process.pid}`,
      REDIS_OUTAGE_SUMMARY: '1s',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SANDBOX_PORT: '0',
      ADMIN_TOKEN,
    });
    await bridge.waitFor(/expereo-bridge listening/, 30_000);
    const address = /"address":"(http:\/\/[^"]+)"/.exec(bridge.output())![1]!;

    const unready = await readyz(address);
    expect(unready.status).toBe(503);
    expect(unready.body.checks.redis).toMatch(/^unreachable since .+: connect ECONNREFUSED/);
    expect(unready.body.checks.workers).toBe('not running');

    // Two summaries while it stays away, each a single line.
    await eventually(async () => named(bridge!.output(), 'Redis is still unreachable').length >= 2, 30_000);
    const during = bridge.output();
    // Every line is one JSON object (no plain-text connection dumps), and the outage is told once.
    const all = lines(during);
    expect(named(during, 'Redis is unreachable: webhooks answer 503 and writes wait until it is back')).toHaveLength(1);
    const summaries = named(during, 'Redis is still unreachable');
    expect(summaries[0]).toMatchObject({ redis: 'unreachable', error: expect.stringMatching(/ECONNREFUSED/) });
    expect(summaries[1]!.failedAttempts as number).toBeGreaterThan(summaries[0]!.failedAttempts as number);
    // Not one line per attempt: what is not a summary is the start-up story and the one outage line.
    expect(all.length - summaries.length).toBeLessThan(20);
    expect(all.filter((l) => /ECONNREFUSED/.test(JSON.stringify(l)) && l.msg !== 'Redis is still unreachable')).toHaveLength(1);

    await redis.startProcess();
    await bridge.waitFor(/Redis is reachable again/, 30_000);
    await bridge.waitFor(/workers started/, 30_000);
    const back = named(bridge.output(), 'Redis is reachable again');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ redis: 'reachable', downForMs: expect.any(Number) });
    await eventually(async () => (await readyz(address)).status === 200, 30_000);
    const summariesBefore = named(bridge.output(), 'Redis is still unreachable').length;

    // Refusals say why, not only their status.
    expect((await fetch(`${address}/admin/dead-letters`)).status).toBe(401);
    const bad = await fetch(`${address}/admin/dead-letters/some-key/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    await eventually(async () => named(bridge!.output(), 'request refused').length >= 2, 10_000);
    const refused = named(bridge.output(), 'request refused');
    expect(refused).toContainEqual(expect.objectContaining({ status: 401, error: 'unauthorized', reason: 'admin token required' }));
    expect(refused).toContainEqual(expect.objectContaining({ status: 400, error: 'invalid_json', reason: expect.any(String) }));
    // Once back, no more summaries.
    expect(named(bridge.output(), 'Redis is still unreachable')).toHaveLength(summariesBefore);
    expect(await bridge.stop('SIGTERM')).toBe(0);
    bridge = undefined;
  });

  it('shuts down on SIGTERM while Redis has never answered', async () => {
    await redis.stopProcess();
    const lone = spawnBridge({
      REDIS_URL: redis.url,
      REDIS_PREFIX: `test-outage-term-${process.pid}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SANDBOX_PORT: '0',
    });
    try {
      await lone.waitFor(/Redis is unreachable/, 30_000);
      await lone.waitFor(/expereo-bridge listening/, 30_000);
    } finally {
      expect(await lone.stop('SIGTERM')).toBe(0);
    }
    expect(lone.output()).not.toMatch(/workers started/);
  });
});
