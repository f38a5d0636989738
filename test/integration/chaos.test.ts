import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createCore, type Core } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { eventually } from '../helpers/bridge.js';
import { casesByReference, createWrite, messagesOf, messageWrite } from '../helpers/pipeline.js';
import { bridgeEnv } from '../helpers/env.js';
import { spawnBridge, type BridgeProcess } from '../helpers/processes.js';
import { OwnRedis } from '../helpers/redis-server.js';

/**
 * Faults with real processes: worker processes of the real entry point, a redis-server of the
 * test's own (append-only), the sandbox. Every acknowledged write must have exactly its effect.
 */
let redis: OwnRedis;
let sandbox: RunningSandbox;
const LIMIT = { limit: 60, periodMs: 3000 };

beforeAll(async () => {
  redis = await OwnRedis.start();
  sandbox = await startSandbox({ writeLimit: { ...LIMIT, burst: 3 }, readLimit: { limit: 50, periodMs: 1000, burst: 50 } });
});
afterAll(async () => {
  await sandbox?.close();
  await redis?.close();
});

interface Run {
  core: Core;
  env: Record<string, string>;
  workers: BridgeProcess[];
  keys: string[];
  acknowledged: { key: string; createKey: string; text: string }[];
}

async function hook(path: string, body: unknown, method = 'POST'): Promise<void> {
  await fetch(`${sandbox.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function startRun(extraEnv: Record<string, string> = {}): Promise<Run> {
  const env = bridgeEnv(redis.url, `chaos-${randomBytes(3).toString('hex')}`, sandbox, {
    EXPEREO_WRITE_LIMIT: `${LIMIT.limit}/${LIMIT.periodMs}ms`,
    EXPEREO_READ_LIMIT: '50/1s',
    WRITE_BACKOFF: '200ms',
    WRITE_ATTEMPTS: '20',
    WRITE_LOCK_TIMEOUT: '2s',
    WRITE_STALLED_INTERVAL: '1s',
    WRITE_SWEEP_EVERY: '1s',
    PORT: '0',
    HOST: '127.0.0.1',
    ...extraEnv,
  });
  const core = createCore(loadConfig({ ...env, LOG_LEVEL: 'silent' }), sandbox, createLogger('silent'));
  await core.ready();
  return { core, env, workers: [], keys: [], acknowledged: [] };
}

/** 40 cases, each a create and four messages: 200 writes, acknowledged by the producer. */
async function produce(run: Run, cases = 40): Promise<void> {
  for (let c = 0; c < cases; c++) {
    const key = `${run.env.REDIS_PREFIX}:case-${c}`;
    await run.core.producer.enqueue(createWrite(key));
    run.keys.push(key);
  }
  for (let n = 0; n < 4; n++) {
    for (const createKey of run.keys) {
      const text = `chaos note ${n} of ${createKey}`;
      const res = await run.core.producer.enqueue(messageWrite(`${createKey}:m${n}`, createKey, text, n % 2 === 0));
      expect(res.status).toBe('queued');
      run.acknowledged.push({ key: `${createKey}:m${n}`, createKey, text });
    }
  }
}

function startWorker(run: Run): BridgeProcess {
  const p = spawnBridge({ ...run.env, ROLE: 'worker', LOG_LEVEL: 'info' });
  run.workers.push(p);
  return p;
}

async function upstreamWritesDone(): Promise<number> {
  const res = await fetch(`${sandbox.baseUrl}/sandbox/state`);
  return ((await res.json()) as { messages: number }).messages;
}

async function drained(run: Run, timeoutMs = 120_000): Promise<void> {
  await eventually(async () => Object.values(await run.core.outbox.pendingByLane()).every((n) => n === 0), timeoutMs, 250);
}

/** Against the sandbox's record: one case per create, each acknowledged message exactly once. */
async function verify(run: Run): Promise<void> {
  expect(await run.core.outbox.deadCount()).toBe(0);
  for (const key of run.keys) {
    const found = await casesByReference(sandbox, key);
    expect(found, key).toHaveLength(1);
    const texts = (await messagesOf(sandbox, found[0]!.caseId)).map((m) => m.message);
    for (const a of run.acknowledged.filter((x) => x.createKey === key)) {
      expect(
        texts.filter((t) => t.includes(a.text)),
        a.key,
      ).toHaveLength(1);
    }
  }
}

async function finish(run: Run): Promise<void> {
  await Promise.all(run.workers.map((w) => w.stop()));
  await run.core.close();
  await hook('/sandbox/faults', {}, 'DELETE');
}

describe('chaos', { timeout: 240_000 }, () => {
  it('a worker SIGKILLed during a 200-write run: nothing lost, nothing twice', async () => {
    const run = await startRun();
    try {
      await produce(run);
      const before = await upstreamWritesDone();
      const victim = startWorker(run);
      startWorker(run);
      await Promise.all(run.workers.map((w) => w.waitFor(/workers started/)));
      await eventually(async () => (await upstreamWritesDone()) - before >= 30, 60_000, 100);
      await victim.stop('SIGKILL');
      startWorker(run);
      await drained(run);
      await verify(run);
    } finally {
      await finish(run);
    }
  });

  it('Redis restarted mid-run (append-only on): nothing acknowledged is lost, nothing twice', async () => {
    const run = await startRun();
    try {
      await produce(run);
      const before = await upstreamWritesDone();
      startWorker(run);
      await run.workers[0]!.waitFor(/workers started/);
      await eventually(async () => (await upstreamWritesDone()) - before >= 30, 60_000, 100);
      await redis.stopProcess();
      // While Redis is down a producer refuses at once (a webhook answers 503): nothing is acknowledged.
      await expect(run.core.producer.enqueue(createWrite(`${run.env.REDIS_PREFIX}:during-outage`))).rejects.toMatchObject({ code: 'queue_unavailable' });
      await new Promise((r) => setTimeout(r, 1000));
      await redis.startProcess();
      await run.core.ready(15_000);
      await drained(run);
      await verify(run);
    } finally {
      await finish(run);
    }
  });

  it('upstream answering 10% 500s, some time-outs, and tokens expiring: every write exactly once', async () => {
    const run = await startRun({ EXPEREO_REQUEST_TIMEOUT: '1s' });
    try {
      await hook('/sandbox/faults', { kind: 'status', status: 500, probability: 0.1, count: 10_000 });
      await hook('/sandbox/faults', { kind: 'hang', probability: 0.05, count: 10, delayMs: 1500, methods: ['POST'] });
      await hook('/sandbox/faults', { kind: 'lose-answer', probability: 0.05, count: 10, methods: ['POST'] });
      await hook('/sandbox/faults/token-expiry', { everyMs: 1500 });
      await produce(run);
      startWorker(run);
      startWorker(run);
      await drained(run, 180_000);
      await hook('/sandbox/faults', {}, 'DELETE');
      await verify(run);
    } finally {
      await finish(run);
    }
  });
});
