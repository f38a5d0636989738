import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { casesByReference, createWrite, messagesOf, messageWrite } from '../helpers/pipeline.js';
import { bridgeEnv } from '../helpers/env.js';
import { spawnBridge } from '../helpers/processes.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ workers: false });
});
afterAll(async () => bridge?.close());

function workerEnv(): Record<string, string> {
  return bridgeEnv(bridge.config.redis.url, bridge.prefix, bridge.sandbox, {
    ROLE: 'worker',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    EXPEREO_WRITE_LIMIT: '30/3s',
    EXPEREO_READ_LIMIT: '30/1s',
    WRITE_COALESCE_MAX: '1',
    WRITE_BACKOFF: '100ms',
    WRITE_LOCK_TIMEOUT: '2s',
    WRITE_STALLED_INTERVAL: '1s',
    WRITE_SWEEP_EVERY: '1s',
  });
}

describe('a worker process killed mid-run', { timeout: 120_000 }, () => {
  it('loses no write and duplicates no case or message after SIGKILL and restart', async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    const creates = Array.from({ length: 6 }, (_, i) => `test:crash-${i}`);
    for (const key of creates) await bridge.core.producer.enqueue(createWrite(key));
    for (let n = 0; n < 9; n++) {
      for (const key of creates) await bridge.core.producer.enqueue(messageWrite(`${key}:m${n}`, key, `note ${n} on ${key}`));
    }

    const first = spawnBridge(workerEnv());
    await first.waitFor(/workers started/);
    // Let it get well into the run, then kill it without warning.
    await eventually(
      async () => (await sandboxCalls(bridge.sandbox)).filter((c) => c.seq > since && c.method === 'POST' && c.status === 201).length >= 15,
      30_000,
    );
    await first.stop('SIGKILL');

    const second = spawnBridge(workerEnv());
    try {
      await second.waitFor(/workers started/);
      await eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 200);
    } finally {
      await second.stop();
    }

    for (const key of creates) {
      const found = await casesByReference(bridge.sandbox, key);
      expect(found, key).toHaveLength(1);
      const texts = (await messagesOf(bridge.sandbox, found[0]!.caseId)).map((m) => m.message);
      for (let n = 0; n < 9; n++) {
        expect(
          texts.filter((t) => t.includes(`note ${n} on ${key}`)),
          `${key} note ${n}`,
        ).toHaveLength(1);
      }
    }
    for (const key of creates) expect((await bridge.core.outbox.entry(`${key}:m8`))?.status).toBe('done');
  });
});
