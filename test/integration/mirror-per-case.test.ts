import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorKeys } from '../../src/mirror/mirror-keys.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import {
  deliveriesPending,
  dropMirrorKeys,
  engineerReply,
  injectFault,
  mirrorPrefix,
  setCaseStatus,
  startMirrorBridge,
  startMirrorSandbox,
  startReceiver,
  type MirrorBridge,
  type Receiver,
} from '../helpers/mirror-harness.js';

let sandbox: RunningSandbox;
let receiver: Receiver;
const bridges: MirrorBridge[] = [];

beforeAll(async () => {
  sandbox = await startMirrorSandbox();
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const b of bridges) {
    await b.stop();
    await dropMirrorKeys(b.prefix);
  }
  await receiver?.close();
  await sandbox?.close();
});

async function start(env: Record<string, string>): Promise<MirrorBridge> {
  const bridge = await startMirrorBridge({ sandbox, prefix: mirrorPrefix(), env });
  bridges.push(bridge);
  return bridge;
}

async function link(bridge: MirrorBridge, caseId: string, linkId: string): Promise<void> {
  await bridge.core.sync.link(caseId, { id: linkId, kind: 'webhook', data: { url: receiver.url } });
  await eventually(async () => (await bridge.core.workerRedis.hexists(mirrorKeys(bridge.prefix).cursor(caseId), 'status')) === 1);
}

const texts = (linkId: string) =>
  receiver
    .accepted()
    .filter((r) => r.body.linkId === linkId)
    .map((r) => r.body.delivery.text);
const calls = async (after = 0) => (await sandboxCalls(sandbox)).filter((c) => c.seq > after);
const lastSeq = async () => Math.max(0, ...(await calls()).map((c) => c.seq));

describe('per-case polling', () => {
  it('"auto" falls back to per-case polling when the API refuses the sort', async () => {
    const bridge = await start({ MIRROR_STRATEGY: 'auto' });
    const seq = await lastSeq();
    // Nothing is linked yet, so nothing is read: the refused call is the first scan's list.
    await injectFault(sandbox, { kind: 'status', status: 400, count: 1, methods: ['GET'], pathPrefix: '/v2/cases' });
    await link(bridge, 'CS-00001010', 'webhook:fallback');
    expect(await bridge.core.workerRedis.exists(mirrorKeys(bridge.prefix).perCase)).toBe(1);

    await engineerReply(sandbox, 'CS-00001010', 'The engineer can come on 7 March at 09:00.');
    await eventually(async () => texts('webhook:fallback').length === 1);
    const made = await calls(seq);
    const lists = made.filter((c) => c.path === '/v2/cases');
    expect(lists.map((c) => c.status)).toEqual([400]);
    expect(made.filter((c) => c.path === '/v2/cases/CS-00001010').length).toBeGreaterThanOrEqual(2);
    expect(texts('webhook:fallback')).toEqual(['The engineer can come on 7 March at 09:00.']);
    await bridge.stop();
  });

  it('checks a closed case once more, then drops it from the timetable', async () => {
    const bridge = await start({ MIRROR_STRATEGY: 'per-case' });
    const keys = mirrorKeys(bridge.prefix);
    await link(bridge, 'CS-00001015', 'webhook:per-case-closing');
    await link(bridge, 'CS-00001017', 'webhook:per-case-control');
    await setCaseStatus(sandbox, 'CS-00001015', 'Closed');
    await eventually(async () => receiver.accepted().some((r) => r.body.linkId === 'webhook:per-case-closing' && r.body.delivery.kind === 'status'));
    await eventually(async () => (await bridge.core.workerRedis.zscore(keys.due, 'CS-00001015')) === null);
    expect(await bridge.core.sync.linkedCases()).toEqual(['CS-00001017']);

    const seq = await lastSeq();
    await engineerReply(sandbox, 'CS-00001015', 'Reopen? No, just a note.');
    await engineerReply(sandbox, 'CS-00001017', 'Please confirm the delivery date.');
    await eventually(async () => texts('webhook:per-case-control').length === 1);
    await eventually(async () => (await deliveriesPending(bridge.core)) === 0);
    expect((await calls(seq)).filter((c) => c.path.startsWith('/v2/cases/CS-00001015'))).toEqual([]);
    expect(texts('webhook:per-case-closing')).toEqual(['Case CS-00001015 is now Closed (was Awaiting Customer). Replies to it are no longer mirrored here.']);
  });
});
