import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorKeys } from '../../src/mirror/mirror-keys.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import {
  deliveriesPending,
  dropMirrorKeys,
  engineerReply,
  mirrorPrefix,
  startMirrorBridge,
  startMirrorSandbox,
  startReceiver,
  type MirrorBridge,
  type Receiver,
} from '../helpers/mirror-harness.js';

let sandbox: RunningSandbox;
let receiver: Receiver;
const prefix = mirrorPrefix();
const keys = mirrorKeys(prefix);
const bridges: MirrorBridge[] = [];

beforeAll(async () => {
  sandbox = await startMirrorSandbox();
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const b of bridges) await b.stop();
  await dropMirrorKeys(prefix);
  await receiver?.close();
  await sandbox?.close();
});

async function start(): Promise<MirrorBridge> {
  const bridge = await startMirrorBridge({ sandbox, prefix });
  bridges.push(bridge);
  return bridge;
}

async function link(bridge: MirrorBridge, caseId: string, linkId: string): Promise<void> {
  await bridge.core.sync.link(caseId, { id: linkId, kind: 'webhook', data: { url: receiver.url } });
  await eventually(async () => (await bridge.core.workerRedis.hexists(keys.cursor(caseId), 'status')) === 1);
}

const texts = (linkId: string) =>
  receiver
    .accepted()
    .filter((r) => r.body.linkId === linkId)
    .map((r) => r.body.delivery.text);
const messageReads = async (caseId: string) => (await sandboxCalls(sandbox)).filter((c) => c.path === `/v2/cases/${caseId}/case-messages`).length;

/** A few more scans, then an empty delivery queue: any late duplicate would have arrived. */
async function settle(bridge: MirrorBridge): Promise<void> {
  const lists = async () => (await sandboxCalls(sandbox)).filter((c) => c.method === 'GET' && c.path === '/v2/cases').length;
  const before = await lists();
  await eventually(async () => (await lists()) >= before + 3);
  await eventually(async () => (await deliveriesPending(bridge.core)) === 0);
}

describe('restarts', () => {
  it('a restart between two replies loses and repeats nothing', async () => {
    const caseId = 'CS-00001001';
    const linkId = 'webhook:restart';
    const first = await start();
    await link(first, caseId, linkId);
    await engineerReply(sandbox, caseId, 'Reply before the restart.');
    await eventually(async () => texts(linkId).length === 1);
    await first.stop();

    await engineerReply(sandbox, caseId, 'Reply while the bridge is down.');
    const second = await start();
    await engineerReply(sandbox, caseId, 'Reply after the restart.');
    await eventually(async () => texts(linkId).length >= 3);
    await settle(second);
    expect(texts(linkId)).toEqual(['Reply before the restart.', 'Reply while the bridge is down.', 'Reply after the restart.']);
  });

  it('a look repeated because the cursor did not move (crash after queueing) delivers nothing twice', async () => {
    const caseId = 'CS-00001002';
    const linkId = 'webhook:crash-window';
    const bridge = bridges.at(-1)!;
    await link(bridge, caseId, linkId);
    const before = await bridge.core.workerRedis.hget(keys.cursor(caseId), 'modified');
    let failedOnce = false;
    receiver.answer = ({ body }) => {
      if (body.linkId !== linkId || failedOnce) return { status: 200 };
      failedOnce = true;
      return { status: 503 };
    };
    const reply = await engineerReply(sandbox, caseId, 'Speed test looks fine now.');
    await eventually(async () => failedOnce);

    // As if the process had died between queueing the delivery and moving the cursor.
    const rewind = async () => {
      const reads = await messageReads(caseId);
      await bridge.core.workerRedis.multi().hset(keys.cursor(caseId), 'modified', before!).srem(keys.seen(caseId), reply.caseMessageId).exec();
      await eventually(
        async () => (await messageReads(caseId)) > reads && (await bridge.core.workerRedis.sismember(keys.seen(caseId), reply.caseMessageId)) === 1,
      );
    };
    await rewind(); // the first delivery is still waiting for its retry
    await eventually(async () => texts(linkId).length === 1);
    await rewind(); // the delivery is done and its job gone
    await settle(bridge);
    expect(texts(linkId)).toEqual(['Speed test looks fine now.']);
    expect(receiver.requests.filter((r) => r.body.linkId === linkId).map((r) => r.status)).toEqual([503, 200]);
  });
});
