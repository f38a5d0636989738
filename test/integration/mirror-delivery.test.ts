import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/mirror/webhook-signature.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import {
  deliveriesPending,
  dropMirrorKeys,
  engineerReply,
  mirrorPrefix,
  setCaseStatus,
  startMirrorBridge,
  startMirrorSandbox,
  startReceiver,
  type MirrorBridge,
  type Receiver,
} from '../helpers/mirror-harness.js';

const SECRET = 'test-webhook-secret-0123456789';

let sandbox: RunningSandbox;
let bridge: MirrorBridge;
let receiver: Receiver;

beforeAll(async () => {
  sandbox = await startMirrorSandbox();
  receiver = await startReceiver();
  bridge = await startMirrorBridge({ sandbox, prefix: mirrorPrefix() });
});
afterAll(async () => {
  await bridge?.stop();
  await dropMirrorKeys(bridge.prefix);
  await receiver?.close();
  await sandbox?.close();
});
beforeEach(() => {
  receiver.answer = () => ({ status: 200 });
});

async function link(caseId: string, name: string): Promise<string> {
  const id = `webhook:${name}`;
  await bridge.core.sync.link(caseId, { id, kind: 'webhook', data: { url: receiver.url, secret: SECRET } });
  // The first look at the case (its baseline) is done once its cursor has a status.
  await eventually(async () => (await bridge.core.workerRedis.hexists(`${bridge.prefix}:mirror:c:${caseId}`, 'status')) === 1);
  return id;
}

/** Lets the poller run a few more scans and the delivery queue drain: a late duplicate would show. */
async function settle(): Promise<void> {
  const lists = async () => (await sandboxCalls(sandbox)).filter((c) => c.method === 'GET' && c.path === '/v2/cases').length;
  const before = await lists();
  await eventually(async () => (await lists()) >= before + 3);
  await eventually(async () => (await deliveriesPending(bridge.core)) === 0);
}

/** Keeps one case linked and answered, so that the poller demonstrably keeps scanning. */
async function control(name: string): Promise<(text: string) => Promise<void>> {
  const linkId = await link('CS-00001006', name);
  return async (text) => {
    await engineerReply(sandbox, 'CS-00001006', text);
    await eventually(async () => textsFor(linkId).includes(text));
  };
}

const textsFor = (linkId: string) =>
  receiver
    .accepted()
    .filter((r) => r.body.linkId === linkId)
    .map((r) => r.body.delivery.text);

describe('reply mirroring to an outbound webhook', () => {
  it("delivers an engineer's reply exactly once, signed, with its author and time", async () => {
    const caseId = 'CS-00001001';
    const linkId = await link(caseId, 'exactly-once');
    const sent = await engineerReply(sandbox, caseId, 'Field engineer on site, splicing the fibre now.', 'Ravi Menon (expereo NOC)');
    const got = await eventually(async () => receiver.accepted().find((r) => r.body.linkId === linkId));
    expect(got.body).toMatchObject({
      type: 'case.message',
      delivery: { caseId, kind: 'message', author: 'Ravi Menon (expereo NOC)', text: 'Field engineer on site, splicing the fibre now.', at: sent.timestamp },
    });
    expect(
      verifyWebhook({
        secret: SECRET,
        signature: got.headers['x-bridge-signature'] as string,
        timestamp: got.headers['x-bridge-timestamp'] as string,
        body: got.raw,
      }),
    ).toBe(true);

    await settle();
    // The case's history (seeded months ago) and its opening description are not mirrored.
    expect(textsFor(linkId)).toEqual(['Field engineer on site, splicing the fibre now.']);
    const lag = await bridge.core.metrics.replyLag.get();
    expect(lag.values.find((v) => v.metricName === 'bridge_reply_delivery_lag_seconds_count' && v.labels.sink === 'webhook')?.value).toBeGreaterThanOrEqual(1);
  });

  it('delivers to every linked conversation, and only new messages', async () => {
    const caseId = 'CS-00001002';
    const a = await link(caseId, 'fan-out-a');
    const b = await link(caseId, 'fan-out-b');
    await engineerReply(sandbox, caseId, 'First answer.');
    await engineerReply(sandbox, caseId, 'Second answer.');
    await eventually(async () => textsFor(a).length === 2 && textsFor(b).length === 2);
    await settle();
    expect(textsFor(a)).toEqual(['First answer.', 'Second answer.']);
    expect(textsFor(b)).toEqual(['First answer.', 'Second answer.']);
  });

  it("does not echo the bridge's own messages, recognised by id or by content", async () => {
    const caseId = 'CS-00001008';
    const linkId = await link(caseId, 'echo');
    const queued = await bridge.core.producer.enqueue({
      kind: 'message',
      key: 'test:mirror-echo-1',
      origin: { kind: 'test', ref: 'echo' },
      case: { caseId },
      author: { name: 'Mark Jansen', via: 'Slack' },
      text: 'Any update on the packet loss?',
      at: new Date().toISOString(),
      human: true,
    });
    expect(queued.status).toBe('queued');
    await eventually(async () => (await bridge.core.outbox.entry('test:mirror-echo-1'))?.status === 'done');
    // A message the bridge wrote whose id it never learned: recognised by its fingerprint.
    await bridge.core.sync.recordSent(caseId, { text: 'Mark Jansen (ITSM): the ticket was escalated.' });
    await engineerReply(sandbox, caseId, 'Mark Jansen (ITSM):   the ticket was\nescalated.', 'Demo Bridge');
    await engineerReply(sandbox, caseId, 'Loss is gone since the reroute at 06:10.');
    await eventually(async () => textsFor(linkId).includes('Loss is gone since the reroute at 06:10.'));
    await settle();
    expect(textsFor(linkId)).toEqual(['Loss is gone since the reroute at 06:10.']);
  });

  it('retries a failed delivery (429 with Retry-After, then 503) without reading upstream again', async () => {
    const caseId = 'CS-00001009';
    const linkId = await link(caseId, 'retry');
    let tries = 0;
    receiver.answer = ({ body }) => {
      if (body.linkId !== linkId) return { status: 200 };
      tries += 1;
      if (tries === 1) return { status: 429, headers: { 'retry-after': '1' } };
      if (tries === 2) return { status: 503 };
      return { status: 200 };
    };
    const readsOf = async () => (await sandboxCalls(sandbox)).filter((c) => c.path === `/v2/cases/${caseId}/case-messages`).length;
    const readsBefore = await readsOf();
    await engineerReply(sandbox, caseId, 'Please power-cycle the CPE.');
    await eventually(async () => textsFor(linkId).length === 1);
    await settle();
    expect(receiver.requests.filter((r) => r.body.linkId === linkId).map((r) => r.status)).toEqual([429, 503, 200]);
    expect(textsFor(linkId)).toEqual(['Please power-cycle the CPE.']);
    expect(await readsOf()).toBe(readsBefore + 1);
  });

  it('delivers a status change as a note, then stops polling the closed case', async () => {
    const caseId = 'CS-00001014';
    const linkId = await link(caseId, 'closing');
    await engineerReply(sandbox, caseId, 'Latency back to 12 ms; resolving.');
    await setCaseStatus(sandbox, caseId, 'Resolved');
    const note = await eventually(async () => receiver.accepted().find((r) => r.body.linkId === linkId && r.body.delivery.kind === 'status'));
    expect(note.body.delivery.status).toEqual({ from: 'In Progress', to: 'Resolved', closed: true });
    await eventually(async () => !(await bridge.core.sync.linkedCases()).includes(caseId));
    expect(textsFor(linkId)[0]).toBe('Latency back to 12 ms; resolving.');

    const answerControl = await control('closing-control');
    const seq = Math.max(0, ...(await sandboxCalls(sandbox)).map((c) => c.seq));
    await engineerReply(sandbox, caseId, 'One more thing after closing.');
    await answerControl('The RFO is attached.');
    await settle();
    const later = (await sandboxCalls(sandbox)).filter((c) => c.seq > seq && c.path.startsWith(`/v2/cases/${caseId}`));
    expect(later).toEqual([]);
    expect(textsFor(linkId)).toHaveLength(2);
  });

  it('queues nothing for links whose kind has no sink', async () => {
    const caseId = 'CS-00001016';
    await bridge.core.sync.link(caseId, { id: 'alert:am:ACME-1', kind: 'alert', data: {} });
    const linkId = await link(caseId, 'beside-an-alert');
    await engineerReply(sandbox, caseId, 'Activation confirmed for tomorrow.');
    await eventually(async () => textsFor(linkId).length === 1);
    await settle();
    expect(
      receiver
        .accepted()
        .filter((r) => r.body.delivery.caseId === caseId)
        .map((r) => r.body.linkId),
    ).toEqual([linkId]);
  });
});
