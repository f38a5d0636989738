import { createHmac, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_INTAKE } from '../../src/alerts/alerts-capability.js';
import { SLACK_EVENTS_INTAKE } from '../../src/slack/event-intake.js';
import { createKeyOf } from '../../src/slack/submit-case.js';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { fixture } from '../helpers/fake-itsm.js';
import { FAKE_BOT, interactive, signed, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { bodyBytes, realPayload } from '../helpers/real-payloads.js';
import { withRedisDown } from '../helpers/redis.js';
import { OwnRedis } from '../helpers/redis-server.js';

/**
 * What each route answers when the bridge cannot take a request in right now, and when a sender
 * sends one again. Alertmanager retries only a 5xx, Grafana's webhook never retries, Jira retries
 * 408/409/425/429/5xx, Slack anything but a 2xx: so Redis away, stalled or full must be a 503 with
 * Retry-After on every route (never a 4xx, never a hang), the retry must then be taken, and a repeat
 * must be a 2xx without a second effect. The bridge runs on a redis-server of this file's own, which
 * the tests freeze (SIGSTOP) and fill (maxmemory with noeviction). Bodies are the real ones
 * where the tool's own exist (../shared/real-payloads).
 */

const AM_TOKEN = 'answers-alertmanager-token-01';
const EVENTS_TOKEN = 'answers-events-token-0000001';
const GRAFANA_SECRET = 'answers-grafana-secret-00001';
const JIRA_SECRET = 'answers-jira-secret-00000001';
const ZENDESK_SECRET = 'answers-zendesk-secret-00001';
const SN_SECRET = 'answers-servicenow-secret-01';
const DESK_TOKEN = 'answers-desk-bearer-token-001';
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const CHANNEL = 'C0ANSWER01';
const ACCOUNT = 'ACC-98000001';
const SERVICE = 'SRV-40000001';

const routing = {
  alerts: {
    sources: {
      alertmanager: { auth: { bearer: AM_TOKEN } },
      grafana: {
        auth: { hmac: { secret: GRAFANA_SECRET, header: 'x-grafana-alerting-signature', timestampHeader: 'x-grafana-alerting-signature-timestamp' } },
      },
      events: { auth: { bearer: EVENTS_TOKEN } },
    },
    rules: [{ name: 'any', service: SERVICE }],
  },
  itsm: {
    connectors: {
      jira: { tool: 'jira', auth: { secret: JIRA_SECRET }, defaults: { serviceId: SERVICE } },
      zd: { tool: 'zendesk', auth: { secret: ZENDESK_SECRET }, defaults: { serviceId: SERVICE } },
      sn: {
        tool: 'servicenow',
        auth: { type: 'hmac', secret: SN_SECRET, header: 'x-sn-signature', encoding: 'base64', timestampHeader: 'x-sn-timestamp' },
        defaults: { serviceId: SERVICE },
      },
      desk: {
        tool: 'generic',
        auth: { type: 'bearer', token: DESK_TOKEN },
        defaults: { serviceId: SERVICE },
        events: { created: ['ticket_created'], commented: ['note_added'] },
        fieldPaths: {
          event: 'action',
          eventId: 'event_uid',
          ticketId: 'data.ticket.display_id',
          title: 'data.ticket.subject',
          description: 'data.ticket.description_text',
        },
      },
    },
  },
  slack: { channels: [{ channel: CHANNEL, accountId: ACCOUNT, defaultServiceId: SERVICE }] },
};

/** A payload of the real-payload corpus, written as its tool writes it (Go's json.Encoder escapes <, > and & and ends with a newline). */
function real(file: string, patch: (body: any) => void = () => undefined): string {
  const entry = realPayload(file);
  const body = structuredClone(entry.body);
  patch(body);
  return bodyBytes(entry, body);
}

const hmac = (secret: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', secret));
const post = (url: string, payload: string, headers: Record<string, string>): InjectOptions => ({
  method: 'POST',
  url,
  payload,
  headers: { 'content-type': 'application/json', ...headers },
});

interface Sender {
  name: string;
  /** What the route answers a request it took in. */
  ok: number;
  /** A new delivery (the same request object again is the sender's retry of it). */
  delivery(n: number): InjectOptions;
}

let run = 0;
const SENDERS: Sender[] = [
  {
    name: 'alertmanager',
    ok: 202,
    delivery: () => post('/webhooks/alerts/alertmanager', real('am-02-v032-first-notification.json'), { authorization: `Bearer ${AM_TOKEN}` }),
  },
  {
    name: 'grafana',
    ok: 202,
    delivery: () => {
      const body = real('gr-01-docs-webhook-example.json');
      const ts = String(Math.floor(Date.now() / 1000));
      return post('/webhooks/alerts/grafana', body, {
        'x-grafana-alerting-signature': hmac(GRAFANA_SECRET, `${ts}:`, body).digest('hex'),
        'x-grafana-alerting-signature-timestamp': ts,
      });
    },
  },
  {
    name: 'events',
    ok: 202,
    delivery: () => post('/webhooks/alerts/events', real('pd-04-alertmanager-pagerduty-trigger.json'), { authorization: `Bearer ${EVENTS_TOKEN}` }),
  },
  {
    name: 'jira',
    ok: 202,
    delivery: (n) => {
      const body = real('jira-01-issue-created.json', (b) => {
        b.timestamp = Date.now();
        b.issue.key = `TES-${n}`;
        b.issue.id = String(20_000 + n);
      });
      return post('/webhooks/itsm/jira', body, {
        'x-hub-signature': `sha256=${hmac(JIRA_SECRET, body).digest('hex')}`,
        'x-atlassian-webhook-identifier': randomUUID(),
      });
    },
  },
  {
    name: 'zendesk',
    ok: 202,
    delivery: (n) => {
      const body = real('zd-01-ticket-created.json', (b) => {
        b.id = randomUUID();
        b.detail.id = String(60_000 + n);
        b.subject = `zen:ticket:${60_000 + n}`;
      });
      const ts = new Date().toISOString();
      return post('/webhooks/itsm/zendesk', body, {
        'x-zendesk-webhook-signature': hmac(ZENDESK_SECRET, ts, body).digest('base64'),
        'x-zendesk-webhook-signature-timestamp': ts,
        'x-zendesk-webhook-invocation-id': randomUUID(),
      });
    },
  },
  {
    name: 'servicenow',
    ok: 202,
    delivery: (n) => {
      const payload = fixture('servicenow-incident-created');
      payload.sys_id = randomUUID().replaceAll('-', '');
      payload.event_id = randomUUID().replaceAll('-', '');
      payload.number = `INC00${70_000 + n}`;
      const body = JSON.stringify(payload);
      const ts = String(Math.floor(Date.now() / 1000));
      return post('/webhooks/itsm/servicenow', body, { 'x-sn-signature': hmac(SN_SECRET, `${ts}.`, body).digest('base64'), 'x-sn-timestamp': ts });
    },
  },
  {
    name: 'generic',
    ok: 202,
    delivery: (n) => {
      const payload = fixture('generic-ticket-created');
      payload.event_uid = `evt_${randomUUID()}`;
      payload.data.ticket.display_id = 80_000 + n;
      return post('/webhooks/itsm/generic/desk', JSON.stringify(payload), { authorization: `Bearer ${DESK_TOKEN}` });
    },
  },
  {
    name: 'slack event',
    ok: 200,
    delivery: (n) => {
      const body = JSON.parse(
        real('sl-02-docs-message-channels.json', (b) => {
          b.event_id = `Ev0ANSWERS${n}`;
          b.event.ts = b.event.event_ts = `1700400000.${String(n).padStart(6, '0')}`;
        }),
      ) as unknown;
      return signed({ json: body });
    },
  },
];

/** The admin API's reads and its one write (the token is the test bridge's). */
const ADMIN_REQUESTS: InjectOptions[] = [
  { method: 'GET', url: '/admin/dead-letters', headers: ADMIN },
  { method: 'GET', url: '/admin/cases/CS-ANSWERS-1', headers: ADMIN },
  { method: 'GET', url: '/admin/intake', headers: ADMIN },
  { method: 'GET', url: '/admin/intake/alerts/dead', headers: ADMIN },
  { method: 'GET', url: '/admin/intake/alerts/1700000000000-0', headers: ADMIN },
  { method: 'POST', url: '/admin/dead-letters/itsm:jira:TES-1/replay', headers: ADMIN },
  { method: 'GET', url: '/admin/budget', headers: ADMIN },
];

/** The bridge's own case modal, submitted (Slack's view_submission). */
function modalSubmission(viewId: string): InjectOptions {
  return interactive({
    type: 'view_submission',
    team: { id: FAKE_BOT.teamId, domain: 'test' },
    user: { id: 'UPERSON01', username: 'ana', name: 'ana', team_id: FAKE_BOT.teamId },
    api_app_id: 'A0TEST01',
    trigger_id: 'trig-answers',
    view: {
      id: viewId,
      hash: `hash-${viewId}`,
      type: 'modal',
      callback_id: 'expereo_case_new',
      private_metadata: JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId }),
      state: {
        values: {
          type: { case_type: { type: 'static_select', selected_option: { value: 'Incident' } } },
          subject_incident: { subject: { type: 'static_select', selected_option: { value: 'ServiceDown' } } },
          priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P2' } } },
          service: { service: { type: 'external_select', selected_option: { value: SERVICE } } },
          site: { site: { type: 'external_select', selected_option: null } },
          description: { description: { type: 'plain_text_input', value: 'Answers test: the office is offline' } },
          start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: Math.floor(Date.now() / 1000) - 600 } },
        },
      },
    },
  });
}

let own: OwnRedis;
let control: Redis;
let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  own = await OwnRedis.start();
  control = new Redis(own.url);
  slack = await startFakeSlack();
  bridge = await startTestBridge({
    workers: false,
    routing,
    env: { REDIS_URL: own.url, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-answers', SLACK_API_URL: slack.apiUrl },
  });
});

afterAll(async () => {
  own?.resume();
  await control?.config('SET', 'maxmemory', '0').catch(() => undefined);
  await bridge?.close();
  await slack?.close();
  control?.disconnect();
  await own?.close();
});

const inject = (req: InjectOptions) => bridge.app.inject(req);

function expectRetryLater(res: LightMyRequestResponse, what: string): void {
  const seen = `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`;
  expect(res.statusCode, seen).toBe(503);
  expect(res.headers['retry-after'], seen).toBe('5');
  expect(res.json(), seen).toEqual({ error: 'queue_unavailable', message: 'temporarily unavailable, retry later' });
}

/** One new delivery per sender, numbered apart from every other test's. */
function deliveries(): { sender: Sender; req: InjectOptions }[] {
  run += 1;
  return SENDERS.map((sender, i) => ({ sender, req: sender.delivery(run * 100 + i) }));
}

/** Entries of an intake whose JSON contains `needle` (a Slack event id). */
async function intakeEntriesWith(name: string, needle: string): Promise<number> {
  const rows = (await control.xrange(`${bridge.prefix}:in:${name}`, '-', '+')) as [string, string[]][];
  return rows.filter(([, fields]) => fields.some((f) => f.includes(needle))).length;
}

describe('Redis unreachable', () => {
  it('every webhook answers 503 with Retry-After, and the sender’s retry is then taken in', async () => {
    const sent = deliveries();
    const answers = await withRedisDown(bridge.core.redis, () => Promise.all(sent.map(({ req }) => inject(req))));
    answers.forEach((res, i) => expectRetryLater(res, sent[i]!.sender.name));
    for (const { sender, req } of sent) {
      const retried = await inject(req);
      expect(retried.statusCode, `${sender.name} retry: ${retried.body}`).toBe(sender.ok);
    }
  });

  it('the admin API answers 503 with Retry-After, not 500', async () => {
    const answers = await withRedisDown(bridge.core.redis, () => Promise.all(ADMIN_REQUESTS.map(inject)));
    answers.forEach((res, i) => expectRetryLater(res, `${ADMIN_REQUESTS[i]!.method} ${ADMIN_REQUESTS[i]!.url}`));
  });

  it('a submitted case modal stays open with the reason, and submitting again opens the case', async () => {
    const viewId = `V0ANS${run}DOWN`;
    const down = await withRedisDown(bridge.core.redis, () => inject(modalSubmission(viewId)));
    // An empty 200 would close the modal as if the case were taken, while nothing was.
    expect(down.statusCode).toBe(200);
    expect(JSON.parse(down.body)).toMatchObject({ response_action: 'errors', errors: { type: expect.stringContaining('cannot reach its queue') } });
    expect(await bridge.core.outbox.entry(createKeyOf(FAKE_BOT.teamId, viewId))).toBeUndefined();

    const again = await inject(modalSubmission(viewId));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe('');
    await eventually(async () => (await bridge.core.outbox.entry(createKeyOf(FAKE_BOT.teamId, viewId)))?.status === 'queued');
  });
});

describe('Redis stalled (frozen, its connections open)', () => {
  it('every route answers 503 with Retry-After instead of holding the sender; the retry after is a duplicate or taken in', async () => {
    const sent = deliveries();
    const slackEvent = sent.find((s) => s.sender.name === 'slack event')!;
    const eventId = (JSON.parse(slackEvent.req.payload as string) as { event_id: string }).event_id;
    // Slack redelivers while its first delivery is still waiting for Redis.
    const slackRetry = signed({ json: JSON.parse(slackEvent.req.payload as string) }, { retryNum: 1 });

    // Thawed after 15 s at the latest: a bridge that waits for Redis answers 2xx then, and fails here.
    own.suspend();
    const thaw = setTimeout(() => own.resume(), 15_000);
    let answers: LightMyRequestResponse[];
    let adminAnswers: LightMyRequestResponse[];
    let retryAnswer: LightMyRequestResponse;
    try {
      [answers, adminAnswers, retryAnswer] = await Promise.all([
        Promise.all(sent.map(({ req }) => inject(req))),
        Promise.all(ADMIN_REQUESTS.map(inject)),
        inject(slackRetry),
      ]);
    } finally {
      clearTimeout(thaw);
      own.resume();
    }
    answers.forEach((res, i) => expectRetryLater(res, sent[i]!.sender.name));
    adminAnswers.forEach((res, i) => expectRetryLater(res, `${ADMIN_REQUESTS[i]!.method} ${ADMIN_REQUESTS[i]!.url}`));
    expectRetryLater(retryAnswer, 'slack event retry');

    // What the stalled requests had sent may land after their answer: the retries find it.
    for (const { sender, req } of sent) {
      const retried = await inject(req);
      expect(retried.statusCode, `${sender.name} retry: ${retried.body}`).toBe(sender.ok);
    }
    expect(await intakeEntriesWith(SLACK_EVENTS_INTAKE, eventId)).toBe(1);
    const jiraTicket = `TES-${run * 100 + SENDERS.findIndex((s) => s.name === 'jira')}`;
    expect((await bridge.core.outbox.entry(`itsm:jira:${jiraTicket}`))?.status).toBe('queued');
  });
});

describe('Redis stalled while a case modal is submitted', () => {
  it('keeps the modal open with the reason within the deadline, and the next submission after Redis is back opens the case', async () => {
    const viewId = `V0ANS${run}STALL`;
    own.suspend();
    const thaw = setTimeout(() => own.resume(), 15_000);
    let stalled: LightMyRequestResponse;
    try {
      stalled = await inject(modalSubmission(viewId));
    } finally {
      clearTimeout(thaw);
      own.resume();
    }
    // Not the empty 200 that the 2.5 s fallback would give, which closes the modal as if the case were taken.
    expect(stalled.statusCode).toBe(200);
    expect(JSON.parse(stalled.body)).toMatchObject({ response_action: 'errors', errors: { type: expect.stringContaining('cannot reach its queue') } });
    // The claim the stalled attempt had sent may land after its answer; a submission a moment later takes it over.
    const taken = await eventually(
      async () => {
        const res = await inject(modalSubmission(viewId));
        return res.body === '' ? res : undefined;
      },
      20_000,
      500,
    );
    expect(taken.statusCode).toBe(200);
    await eventually(async () => (await bridge.core.outbox.entry(createKeyOf(FAKE_BOT.teamId, viewId)))?.status === 'queued');
  });
});

describe('Redis full (maxmemory reached, noeviction)', () => {
  it('every route answers 503 with Retry-After, never a 4xx, and takes the retry once memory is there', async () => {
    const before = await inject(SENDERS[0]!.delivery(0));
    expect(before.statusCode).toBe(202);
    const acceptedId = (before.json() as { id: string }).id;
    const sent = deliveries();
    await control.config('SET', 'maxmemory', '1');
    let answers: LightMyRequestResponse[];
    let status: LightMyRequestResponse;
    try {
      answers = await Promise.all(sent.map(({ req }) => inject(req)));
      status = await inject({ method: 'GET', url: `/admin/intake/${ALERTS_INTAKE}/${acceptedId}`, headers: ADMIN });
    } finally {
      await control.config('SET', 'maxmemory', '0');
    }
    answers.forEach((res, i) => expectRetryLater(res, sent[i]!.sender.name));
    expectRetryLater(status, 'intake entry status');
    for (const { sender, req } of sent) {
      const retried = await inject(req);
      expect(retried.statusCode, `${sender.name} retry: ${retried.body}`).toBe(sender.ok);
    }
    expect((await inject({ method: 'GET', url: `/admin/intake/${ALERTS_INTAKE}/${acceptedId}`, headers: ADMIN })).json()).toMatchObject({ status: 'waiting' });
  });
});

describe('a delivery sent twice', () => {
  it('is acknowledged 2xx both times, also when the two arrive together, and takes effect once', async () => {
    const sent = deliveries();
    const together = await Promise.all(sent.flatMap(({ req }) => [inject(req), inject(req)]));
    sent.forEach(({ sender }, i) => {
      for (const res of [together[2 * i]!, together[2 * i + 1]!]) expect(res.statusCode, `${sender.name}: ${res.body}`).toBe(sender.ok);
    });
    for (const { sender, req } of sent) {
      const later = await inject(req);
      expect(later.statusCode, `${sender.name} later: ${later.body}`).toBe(sender.ok);
      // A tool's own redelivery id (or the body's identity) is recognised; alert groups are simply notified again.
      if (['jira', 'zendesk', 'servicenow', 'generic'].includes(sender.name)) expect(later.json(), sender.name).toMatchObject({ status: 'duplicate' });
    }
    const eventId = (JSON.parse(sent.find((s) => s.sender.name === 'slack event')!.req.payload as string) as { event_id: string }).event_id;
    expect(await intakeEntriesWith(SLACK_EVENTS_INTAKE, eventId)).toBe(1);
    const jiraTicket = `TES-${run * 100 + SENDERS.findIndex((s) => s.name === 'jira')}`;
    expect((await bridge.core.outbox.entry(`itsm:jira:${jiraTicket}`))?.status).toBe('queued');
  });
});

describe('refusals a sender should not retry', () => {
  it('an ITSM delivery that is not JSON is refused as such (415 naming the type), not as forged or malformed', async () => {
    for (const sender of SENDERS.filter((s) => ['jira', 'zendesk', 'servicenow', 'generic'].includes(s.name))) {
      const req = sender.delivery(run * 100 + 90);
      const res = await inject({ ...req, headers: { ...(req.headers as Record<string, string>), 'content-type': 'text/plain' } });
      expect(res.statusCode, `${sender.name}: ${res.body}`).toBe(415);
      expect(res.json()).toEqual({ error: 'unsupported_media_type', message: 'the content type text/plain is not accepted here: send application/json' });
    }
  });

  it('an oversize body is a 413 that names the limit', async () => {
    const res = await inject(post('/webhooks/itsm/jira', JSON.stringify({ pad: 'x'.repeat(512 * 1024) }), {}));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'payload_too_large', message: "the body is larger than this route's limit of 524288 bytes" });
  });

  it('Slack’s content types are named when another is sent', async () => {
    const res = await inject(post('/slack/events', '<xml/>', { 'content-type': 'text/xml' }));
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ message: 'the content type text/xml is not accepted here: send application/json or application/x-www-form-urlencoded' });
  });
});
