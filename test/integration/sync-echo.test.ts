import { createHmac, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorSettings, type MirrorContext } from '../../src/mirror/mirror-context.js';
import { CursorStore } from '../../src/mirror/cursor-store.js';
import { fetchCase } from '../../src/mirror/fetch-case.js';
import { MIRROR_QUEUES, type DeliveryJob } from '../../src/mirror/jobs.js';
import { mirrorKeys } from '../../src/mirror/mirror-keys.js';
import { writeInFlight } from '../../src/mirror/own-writes.js';
import { PollSchedule } from '../../src/mirror/poll-schedule.js';
import { MirrorReads, mirrorBudget, mirrorHoldBackUs } from '../../src/mirror/reads.js';
import { createQueue } from '../../src/writes/queues.js';
import { startWriteDrain, type RunningWorkers } from '../../workers/index.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { injectFault, setCaseStatus } from '../helpers/mirror-harness.js';
import { zendeskHeaders } from '../helpers/real-payloads.js';

/**
 * The echo rule at every moment the poller can look: a change made in a ticket (or a Slack thread)
 * that the bridge writes to the case is not delivered back there, and reaches the case's other
 * linked conversations once; an expereo engineer's change reaches all of them. The poller is driven
 * by hand (no scan runs by itself), and the write is held at each step: queued, landed upstream
 * with its answer lost (the bridge does not know yet), recorded, then overwritten by an engineer.
 * What the poller plans is read from the delivery queue, whose jobs are the deliveries.
 */
const SECRETS = { jira: 'jira-echo-secret-0001', zendesk: 'zendesk-echo-secret-0001' };
const TOKEN = 'echo-bearer-token-0123456789';
const STATUS_MAP = { solved: 'Resolved', resolved: 'Resolved', done: 'Resolved', '6': 'Resolved' };

let bridge: TestBridge;
let writers: RunningWorkers | undefined;
let ctx: MirrorContext;
let deliveries: Queue;

beforeAll(async () => {
  bridge = await startTestBridge({
    workers: false,
    // A write whose answer was lost is retried only when the test says so (it promotes the retry).
    env: { WRITE_BACKOFF: '10m', EXPEREO_CLOSED_STATUSES: 'Closed' },
    routing: {
      itsm: {
        connectors: {
          jira: { tool: 'jira', auth: { secret: SECRETS.jira }, statusMap: STATUS_MAP, defaults: { serviceId: 'SRV-40000001' } },
          zd: { tool: 'zendesk', auth: { secret: SECRETS.zendesk }, statusMap: STATUS_MAP, defaults: { serviceId: 'SRV-40000001' } },
          sn: { tool: 'servicenow', auth: { type: 'bearer', token: TOKEN }, statusMap: STATUS_MAP, defaults: { serviceId: 'SRV-40000001' } },
          desk: { tool: 'generic', auth: { type: 'bearer', token: TOKEN }, statusMap: STATUS_MAP, defaults: { serviceId: 'SRV-40000001' } },
        },
      },
    },
  });
  const core = bridge.core;
  const keys = mirrorKeys(core.keys.prefix);
  deliveries = createQueue(MIRROR_QUEUES.deliveries, core.workerRedis, core.keys);
  ctx = {
    sync: core.sync,
    connection: core.workerRedis,
    queuePrefix: core.keys.queuePrefix,
    writeInFlight: (caseId) => writeInFlight(core, caseId),
    journal: core.journal,
    reads: new MirrorReads(core, mirrorBudget(core), mirrorHoldBackUs(core)),
    cursors: new CursorStore(core.workerRedis, keys),
    schedule: new PollSchedule(core.workerRedis, keys),
    queues: {
      scan: createQueue(MIRROR_QUEUES.scan, core.workerRedis, core.keys),
      fetch: createQueue(MIRROR_QUEUES.fetch, core.workerRedis, core.keys),
      deliveries,
    },
    sinkKinds: new Set(['slack', 'itsm', 'webhook']),
    settings: mirrorSettings(core.config),
    log: core.log,
    now: Date.now,
  };
});
afterAll(async () => {
  await writers?.close();
  await Promise.all(Object.values(ctx?.queues ?? {}).map((q) => q.close()));
  await bridge?.close();
});

/** The write worker runs only while a test lets writes go out. */
async function writesRunning(): Promise<void> {
  writers ??= await startWriteDrain(bridge.core);
}

async function writesHeld(): Promise<void> {
  await writers?.close();
  writers = undefined;
}

/** One look of the poller at the case. */
const look = (caseId: string) => fetchCase(ctx, { caseId });

/** Deliveries planned for the case so far: link → texts. */
async function planned(caseId: string): Promise<Record<string, string[]>> {
  const jobs = await deliveries.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed']);
  const out: Record<string, string[]> = {};
  for (const job of jobs) {
    const data = job.data as DeliveryJob;
    if (data.caseId !== caseId) continue;
    (out[data.linkId] ??= []).push(data.delivery.text);
  }
  for (const texts of Object.values(out)) texts.sort();
  return out;
}

/** Links a case to the ticket, a Slack thread and an outbound webhook, and takes the poller's baseline. */
async function linkCase(
  caseId: string,
  ticket: { connector: string; tool: string; ticketId: string },
): Promise<{ ticket: string; slack: string; webhook: string }> {
  const ids = { ticket: `itsm:${ticket.connector}:${ticket.ticketId}`, slack: `slack:C0ECHO:${caseId}.000100`, webhook: `webhook:echo-${caseId}` };
  await bridge.core.sync.link(caseId, { id: ids.ticket, kind: 'itsm', data: { connector: ticket.connector, tool: ticket.tool, ticketId: ticket.ticketId } });
  await bridge.core.sync.link(caseId, { id: ids.slack, kind: 'slack', data: { channel: 'C0ECHO', threadTs: `${caseId}.000100` } });
  await bridge.core.sync.link(caseId, { id: ids.webhook, kind: 'webhook', data: { url: 'http://127.0.0.1:9/unused' } });
  expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });
  const kase = await bridge.core.expereo.getCase(caseId);
  expect(kase.status).not.toBe('Resolved');
  return ids;
}

// ---- each tool's own status-change delivery, signed as the tool signs it -------------------------

type Sender = (ticketId: string) => Promise<{ statusCode: number; json(): unknown }>;

const json = (body: unknown) => JSON.stringify(body);

const senders: Record<string, { tool: string; ticketId: string; send: Sender }> = {
  jira: {
    tool: 'jira',
    ticketId: 'NET-77',
    send: (key) => {
      const body = json({
        timestamp: Date.now(),
        webhookEvent: 'jira:issue_updated',
        issue: { id: '10077', key, fields: { summary: 'Paris link down', status: { name: 'Done' } } },
        changelog: { id: '20077', items: [{ field: 'status', fieldtype: 'jira', fromString: 'In Progress', toString: 'Done' }] },
      });
      const signature = `sha256=${createHmac('sha256', SECRETS.jira).update(body).digest('hex')}`;
      return bridge.app.inject({
        method: 'POST',
        url: '/webhooks/itsm/jira',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature, 'x-atlassian-webhook-identifier': randomUUID() },
      });
    },
  },
  zd: {
    tool: 'zendesk',
    ticketId: '5158',
    send: (id) => {
      const body = json({
        type: 'zen:event-type:ticket.status_changed',
        id: randomUUID(),
        time: new Date().toISOString(),
        detail: { id, subject: 'Madrid SD-WAN packet loss', status: 'SOLVED' },
        event: { current: 'SOLVED', previous: 'OPEN' },
      });
      return bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/zendesk', payload: body, headers: zendeskHeaders(SECRETS.zendesk, body, randomUUID()) });
    },
  },
  sn: {
    tool: 'servicenow',
    ticketId: '46d44a5fa9fe1981003c3b4e3a1e7f77',
    send: (sysId) =>
      bridge.app.inject({
        method: 'POST',
        url: '/webhooks/itsm/servicenow',
        payload: json({ event: 'updated', event_id: randomUUID(), sys_id: sysId, number: 'INC0010077', state: '6', changed: ['state'] }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      }),
  },
  desk: {
    tool: 'generic',
    ticketId: '7777',
    send: (id) =>
      bridge.app.inject({
        method: 'POST',
        url: '/webhooks/itsm/generic/desk',
        payload: json({ event: 'updated', id: randomUUID(), ticket: { id, status: 'resolved' }, changes: ['status'] }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      }),
  },
};

/** The flush job that waits on its retry (its first try's answer was lost), run now. */
async function retryNow(): Promise<void> {
  const job = await eventually(async () => (await bridge.core.queues.writes.getJobs(['delayed'])).find((j) => j.name === 'flush'));
  await job.promote();
}

const statusNote = (caseId: string, from: string, to: string) => `Case ${caseId} status changed from ${from} to ${to}.`;

describe('a status change made in a ticket is not delivered back to it', () => {
  const cases = { jira: 'CS-00001001', zd: 'CS-00001002', sn: 'CS-00001006', desk: 'CS-00001007' } as const;

  for (const name of Object.keys(cases) as (keyof typeof cases)[]) {
    it(`${name}: at every moment the poller looks, nothing returns to the ticket and the others are told once`, async () => {
      const caseId = cases[name];
      const s = senders[name]!;
      const ids = await linkCase(caseId, { connector: name, tool: s.tool, ticketId: s.ticketId });
      const before = (await bridge.core.expereo.getCase(caseId)).status!;

      // 1. The ticket is solved; the bridge's write is queued, not sent: the case has not changed.
      const res = await s.send(s.ticketId);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ status: 'queued', writes: [{ kind: 'update' }] });
      expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });

      // 2. The PATCH lands upstream but its answer is lost: the bridge cannot know it was its own yet.
      await injectFault(bridge.sandbox, { kind: 'lose-answer', methods: ['PATCH'], pathPrefix: `/v2/cases/${caseId}` });
      await writesRunning();
      await eventually(async () =>
        (await sandboxCalls(bridge.sandbox)).some((c) => c.method === 'PATCH' && c.path === `/v2/cases/${caseId}` && c.fault === 'lose-answer'),
      );
      expect((await bridge.core.expereo.getCase(caseId)).status).toBe('Resolved');
      expect(await look(caseId)).toMatchObject({ kind: 'wait' });
      expect(await planned(caseId)).toEqual({});

      // 3. The retry finds it done and records it: the Slack thread and the webhook hear of it, the ticket does not.
      await retryNow();
      await eventually(async () => (await bridge.core.outbox.head(`c:${caseId}`, 1)).length === 0);
      expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 2 });
      expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });
      const solved = statusNote(caseId, before, 'Resolved');
      expect(await planned(caseId)).toEqual({ [ids.slack]: [solved], [ids.webhook]: [solved] });

      // 4. An expereo engineer reopens the case: every conversation, the ticket too, hears of it.
      await setCaseStatus(bridge.sandbox, caseId, 'In Progress');
      expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 3 });
      expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });
      const reopened = statusNote(caseId, 'Resolved', 'In Progress');
      expect(await planned(caseId)).toEqual({ [ids.ticket]: [reopened], [ids.slack]: [reopened, solved].sort(), [ids.webhook]: [reopened, solved].sort() });

      // 5. ...and resolves it again himself: that, too, reaches the ticket (the bridge's record of its write is spent).
      await setCaseStatus(bridge.sandbox, caseId, 'Resolved');
      await new Promise((r) => setTimeout(r, 50));
      expect((await look(caseId)).kind).toBe('done');
      expect((await planned(caseId))[ids.ticket]).toHaveLength(2);
      await writesHeld();
    });
  }
});

describe('a message written for one conversation reaches the others once, never its own', () => {
  it('Slack: a reply in the case thread goes to the ticket and the webhook, not back to the thread', async () => {
    const caseId = 'CS-00001008';
    const ids = await linkCase(caseId, { connector: 'zd', tool: 'zendesk', ticketId: '6001' });
    const text = 'Power-cycled the CPE in rack 4, link is back.';
    // What the Slack listener queues for a reply in a case thread (src/slack/listeners/thread-replies.ts).
    const queued = await bridge.core.producer.enqueue({
      kind: 'message',
      key: `slack:T0ECHO:C0ECHO:${caseId}.000200`,
      origin: { kind: 'slack', ref: ids.slack, data: { channel: 'C0ECHO', threadTs: `${caseId}.000100`, messageTs: `${caseId}.000200` } },
      case: { caseId },
      author: { name: 'Mia Krystof', via: 'Slack' },
      text,
      at: new Date().toISOString(),
      human: true,
    });
    expect(queued.status).toBe('queued');
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });

    await injectFault(bridge.sandbox, { kind: 'lose-answer', methods: ['POST'], pathPrefix: `/v2/cases/${caseId}/case-messages` });
    await writesRunning();
    await eventually(async () => (await sandboxCalls(bridge.sandbox)).some((c) => c.path === `/v2/cases/${caseId}/case-messages` && c.fault === 'lose-answer'));
    expect(await look(caseId)).toMatchObject({ kind: 'wait' });
    expect(await planned(caseId)).toEqual({});

    await retryNow();
    await eventually(async () => (await bridge.core.outbox.entry(queued.key))?.status === 'done');
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 2 });
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });
    const written = `Mia Krystof (Slack): ${text}`;
    expect(await planned(caseId)).toEqual({ [ids.ticket]: [written], [ids.webhook]: [written] });
    await writesHeld();
  });

  it('Zendesk: a comment on the ticket goes to the Slack thread and the webhook, not back to the ticket', async () => {
    const caseId = 'CS-00001009';
    const ids = await linkCase(caseId, { connector: 'zd', tool: 'zendesk', ticketId: '6002' });
    const body = json({
      type: 'zen:event-type:ticket.comment_added',
      id: randomUUID(),
      time: new Date().toISOString(),
      detail: { id: '6002', subject: 'Lyon DIA down', status: 'OPEN' },
      event: { comment: { id: 9001, body: 'Customer confirms the site has power.', is_public: true, author: { id: 42, name: 'Sam Agent', is_staff: true } } },
    });
    const res = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/zendesk',
      payload: body,
      headers: zendeskHeaders(SECRETS.zendesk, body, randomUUID()),
    });
    expect(res.json()).toMatchObject({ status: 'queued', writes: [{ kind: 'message' }] });
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 0 });
    await writesRunning();
    await eventually(async () => (await bridge.core.outbox.head(`c:${caseId}`, 1)).length === 0);
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 2 });
    const written = 'Sam Agent (Zendesk): Customer confirms the site has power.';
    expect(await planned(caseId)).toEqual({ [ids.slack]: [written], [ids.webhook]: [written] });

    // An engineer's answer reaches all three.
    await fetch(`${bridge.sandbox.baseUrl}/sandbox/cases/${caseId}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json({ message: 'Thanks, dispatching a technician.', sentBy: 'Ravi Menon (expereo NOC)' }),
    });
    expect(await look(caseId)).toMatchObject({ kind: 'done', queued: 3 });
    expect((await planned(caseId))[ids.ticket]).toEqual(['Thanks, dispatching a technician.']);
    await writesHeld();
  });
});
