import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { mirrorKeys } from '../../src/mirror/mirror-keys.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import {
  dropMirrorKeys,
  engineerReply,
  mirrorPrefix,
  startMirrorBridge,
  startMirrorSandbox,
  startReceiver,
  type MirrorBridge,
  type Receiver,
} from '../helpers/mirror-harness.js';

// The slow beat is far apart, the floor close: scans between two scheduled beats are the fast beat's.
const ENV = { MIRROR_STRATEGY: 'recent', MIRROR_SCAN_EVERY: '4s', MIRROR_SCAN_FLOOR: '200ms' };

let sandbox: RunningSandbox;
let receiver: Receiver;
let bridge: MirrorBridge;

beforeAll(async () => {
  sandbox = await startMirrorSandbox();
  receiver = await startReceiver();
  bridge = await startMirrorBridge({ sandbox, prefix: mirrorPrefix(), env: ENV });
  await bridge.core.sync.link('CS-00001020', { id: 'webhook:beat', kind: 'webhook', data: { url: receiver.url } });
  await eventually(async () => (await bridge.core.workerRedis.hexists(mirrorKeys(bridge.prefix).cursor('CS-00001020'), 'status')) === 1);
});
afterAll(async () => {
  await bridge?.stop();
  if (bridge) await dropMirrorKeys(bridge.prefix);
  await receiver?.close();
  await sandbox?.close();
});

const listReads = async (after: number) => (await sandboxCalls(sandbox)).filter((c) => c.seq > after && c.method === 'GET' && c.path === '/v2/cases');
const lastSeq = async () => Math.max(0, ...(await sandboxCalls(sandbox)).map((c) => c.seq));

describe('the scan beat follows the read budget', () => {
  it('scans again within a scheduled beat while the budget is spare, and finds a reply long before the next beat', async () => {
    const seq = await lastSeq();
    await sleep(1500);
    // 1.5 s of a 4 s beat: the slow beat alone scans at most once in it; the fast beat every ~200 ms.
    expect((await listReads(seq)).length).toBeGreaterThanOrEqual(4);

    await engineerReply(sandbox, 'CS-00001020', 'Line card replaced, please test.');
    await eventually(async () => receiver.accepted().some((r) => r.body.linkId === 'webhook:beat'));
  });

  it('falls back to the slow beat while people use their share of the read budget', async () => {
    const shared = bridge.core.expereo.readBudget;
    // People read as fast as the budget lets them: less is left than the share kept for them.
    let reading = true;
    const people = (async () => {
      while (reading) await shared.acquire({ maxWaitMs: 5000 });
    })();
    try {
      await sleep(300); // a scan already past its check finishes first
      const seq = await lastSeq();
      await sleep(1200);
      expect((await listReads(seq)).length).toBeLessThanOrEqual(1);
    } finally {
      reading = false;
      await people;
    }
  });
});
