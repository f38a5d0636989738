import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { casesByReference, createWrite, messagesOf, messageWrite } from '../helpers/pipeline.js';
import { bridgeEnv } from '../helpers/env.js';
import { spawnBridge } from '../helpers/processes.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ workers: false });
});
afterAll(async () => bridge?.close());

function env(): Record<string, string> {
  return bridgeEnv(bridge.config.redis.url, bridge.prefix, bridge.sandbox, {
    ROLE: 'all',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    EXPEREO_WRITE_LIMIT: '30/3s',
    WRITE_COALESCE_MAX: '1',
    WRITE_STALLED_INTERVAL: '1s',
    WRITE_LOCK_TIMEOUT: '2s',
  });
}

describe('SIGTERM', { timeout: 120_000 }, () => {
  it('stops accepting, finishes what is in flight, exits 0, and a restart carries on with nothing lost or twice', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `test:term-${i}`);
    for (const key of keys) await bridge.core.producer.enqueue(createWrite(key));
    for (let n = 0; n < 6; n++) for (const key of keys) await bridge.core.producer.enqueue(messageWrite(`${key}:m${n}`, key, `term note ${n} ${key}`));

    const first = spawnBridge(env());
    await first.waitFor(/expereo-bridge listening/);
    const address = /"address":"(http:\/\/[^"]+)"/.exec(first.output())![1]!;
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    await eventually(async () => (await bridge.core.outbox.entry(`${keys[4]}`))?.status === 'done', 30_000);

    const code = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(first.output()).toMatch(/shutting down/);
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
    // Nothing was left half-sent by the process that shut down.
    for (const key of keys) {
      for (let n = 0; n < 6; n++) expect((await bridge.core.outbox.entry(`${key}:m${n}`))?.status).not.toBe('sending');
    }

    const second = spawnBridge(env());
    try {
      await second.waitFor(/expereo-bridge listening/);
      await eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 200);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
    for (const key of keys) {
      const [kase, ...more] = await casesByReference(bridge.sandbox, key);
      expect(more).toHaveLength(0);
      const texts = (await messagesOf(bridge.sandbox, kase!.caseId)).map((m) => m.message);
      for (let n = 0; n < 6; n++) expect(texts.filter((t) => t.includes(`term note ${n} ${key}`))).toHaveLength(1);
    }
  });
});
