import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { SERVICES } from '../../src/sandbox/seed-data.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, startFakeItsm, type FakeItsm } from '../helpers/fake-itsm.js';
import { SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { bodyBytes, corpusFiles, grafanaHeaders, realPayload, zendeskHeaders, type RealPayload } from '../helpers/real-payloads.js';

/**
 * Every payload of the corpus (../shared/real-payloads: payloads exactly as Alertmanager, Grafana,
 * PagerDuty senders, Jira Cloud, Zendesk and Slack send them) posted over HTTP to a bridge that
 * listens on a port, with a real Redis, the sandbox over HTTP, a fake Slack and a fake Zendesk,
 * each signed as its tool signs it. The effect expected of each is written next to it below and
 * read back from the sandbox's record of writes (cases made, fields changed, messages added).
 * Payloads run in file order: later ones act on the cases earlier ones opened.
 */
const SECRETS = {
  jira: 'jira-corpus-secret-0001',
  zendesk: 'zendesk-corpus-secret-01',
  grafana: 'grafana-corpus-secret-01',
  bearer: 'alerts-corpus-bearer-0123456789',
};
const GRAFANA = { secret: SECRETS.grafana, header: 'x-grafana-alerting-signature', timestampHeader: 'x-grafana-alerting-signature-timestamp' };
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
/** The seeded case the Slack setup steps link (`{{CASE_ID}}`), and its account. */
const LINKED_CASE = 'CS-00001001';
const LINKED_ACCOUNT = SERVICES[0]!.accountId;

type Write = { op: 'create' | 'update' | 'message'; call: CallRecord };
type WriteExpect =
  | { op: 'create'; as: string; body: Record<string, unknown> }
  | { op: 'update'; on: string; body: Record<string, unknown> }
  | { op: 'message'; on: string; contains: string };

interface Expected {
  status: number;
  answer?: Record<string, unknown>;
  /** The writes that reach expereo because of this payload, in order; none when left out. */
  writes?: WriteExpect[];
  /** Calls the fake Slack must have had (method → count), beyond the writes. */
  slack?: Record<string, number>;
}

/** Case labels → the customerReference of the create that opened them. */
const TES41 = 'itsm:jira:TES-41';
const ZD5158 = 'itsm:zd:5158';

/** PagerDuty's answer to a routing key it does not know. */
const INVALID_ROUTING_KEY = { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] };

/** What each payload must do: the corpus's own `expect` line, made exact for this routing. */
const EXPECTED: Record<string, Expected> = {
  // Alertmanager (its http_config authorization: a bearer).
  'am-01': { status: 202, answer: { status: 'queued' } }, // a resolved-only group nobody saw firing: no case
  'am-02': { status: 202, writes: [{ op: 'create', as: 'am', body: { type: 'Incident', subject: 'ServiceDown', priority: 'P1' } }] },
  'am-03': { status: 202, writes: [{ op: 'message', on: 'am', contains: 'Resolved (1):\n- DiskRunningFull [8320f0af89d48747]' }] }, // one alert resolved: a message on the same case
  'am-04': {
    status: 202,
    writes: [
      { op: 'message', on: 'am', contains: 'esolved' },
      { op: 'update', on: 'am', body: { status: 'Resolved' } },
    ],
  },
  // Grafana (hex HMAC of "<ts>:" + body).
  'gr-01': { status: 202, writes: [{ op: 'create', as: 'gr', body: { type: 'Incident' } }] },
  'gr-02': { status: 202, writes: [{ op: 'create', as: 'gr2', body: { type: 'Incident' } }] }, // startsAt 0001-01-01: still one case
  'gr-03': {
    status: 202,
    writes: [
      { op: 'message', on: 'gr', contains: 'esolved' },
      { op: 'update', on: 'gr', body: { status: 'Resolved' } },
    ],
  },
  // The contact point's Test: nothing opened, told in the tests channel (alerts.tests.slackChannel).
  'gr-04': { status: 202, answer: { status: 'test', message: 'test received, no case opened' }, slack: { 'chat.postMessage': 1 } },
  // Jira Cloud (X-Hub-Signature: sha256=<hex>; the body's timestamp refreshed as SOURCES.md says).
  'jira-01': { status: 202, answer: { status: 'queued' }, writes: [{ op: 'create', as: TES41, body: { priority: 'P2' } }] },
  'jira-02': { status: 202, writes: [{ op: 'update', on: TES41, body: { priority: 'P2' } }] },
  'jira-03': { status: 202, writes: [{ op: 'message', on: TES41, contains: '(Jira):' }] },
  'jira-04': { status: 202, writes: [{ op: 'update', on: TES41, body: { status: 'Resolved' } }] },
  'jira-05': { status: 202, writes: [{ op: 'update', on: TES41, body: { status: 'In Progress' } }] },
  'jira-06': { status: 202, writes: [{ op: 'create', as: 'itsm:jira:KT-22', body: { priority: 'P3' } }] },
  'jira-07': { status: 401 }, // its 2019 timestamp as captured: a replay
  // PagerDuty Events v2 senders, posted to /v2/enqueue and answered as PagerDuty answers. Those the
  // corpus sends with a bearer (the events source's header credential) are taken whatever their
  // routing key; the others carry only their routing key, which is no configured key.
  'pd-01': {
    status: 202,
    answer: { status: 'success', message: 'Event processed', dedup_key: 'samplekeyhere' },
    writes: [{ op: 'create', as: 'pd1', body: { priority: 'P4' } }],
  },
  'pd-02': { status: 202, answer: { status: 'success', dedup_key: 'dedupkeyhere' } }, // acknowledge of an unknown dedup_key: nothing
  'pd-03': { status: 202, answer: { status: 'success', dedup_key: 'dedupkeyhere' } }, // resolve of an unknown dedup_key: nothing
  'pd-04': { status: 202, answer: { status: 'success' }, writes: [{ op: 'create', as: 'pd4', body: { priority: 'P2' } }] },
  // The resolve names the alert by the trigger's summary (its own says "[RESOLVED] …").
  'pd-05': {
    status: 202,
    writes: [
      { op: 'message', on: 'pd4', contains: 'Resolved (1):\n- [FIRING:5] DiskRunningFull' },
      { op: 'update', on: 'pd4', body: { status: 'Resolved' } },
    ],
  },
  'pd-06': { status: 400, answer: INVALID_ROUTING_KEY }, // as Grafana sends it: its routing key alone, not one the file has
  'pd-07': { status: 202, writes: [{ op: 'create', as: 'pd7', body: { priority: 'P1' } }] },
  'pd-08': { status: 400, answer: INVALID_ROUTING_KEY },
  // Slack (v0 signature).
  'sl-00': { status: 200, answer: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } },
  'sl-01': { status: 200 }, // app_mention: no listener
  'sl-02': { status: 200 }, // a channel message outside a case thread
  'sl-03': { status: 200, slack: { 'chat.postMessage': 1 } }, // /case link: a new thread that mirrors the case
  'sl-04': { status: 200, writes: [{ op: 'message', on: LINKED_CASE, contains: 'broadcasting this reply' }] },
  'sl-05': { status: 200 }, // hidden message_replied
  'sl-06': { status: 200, slack: { 'chat.postMessage': 1 } },
  'sl-07': { status: 200, writes: [{ op: 'message', on: LINKED_CASE, contains: 'Hi there!' }] },
  'sl-08': { status: 200 }, // action_id "a": no listener
  'sl-09': { status: 200 }, // callback_id "view-id" is not the bridge's modal
  'sl-10': { status: 200, slack: { 'views.open': 1 } },
  // Zendesk (base64 HMAC of timestamp + body).
  // The requester is named by id only: the name comes from Zendesk's API (the fake Zendesk).
  'zd-01': {
    status: 202,
    writes: [{ op: 'create', as: ZD5158, body: { priority: 'P2', description: expect.stringContaining('Raised in Zendesk ticket 5158 by Alex Rivera: ') } }],
  },
  'zd-02': { status: 202, writes: [{ op: 'update', on: ZD5158, body: { priority: 'P1' } }] },
  'zd-03': { status: 202, writes: [{ op: 'message', on: ZD5158, contains: '(Zendesk):' }] },
  'zd-04': { status: 202, writes: [{ op: 'update', on: ZD5158, body: { status: 'Resolved' } }] },
  'zd-05': { status: 202, writes: [{ op: 'create', as: 'itsm:zd:35436', body: { priority: 'P3' } }] },
  'zd-06': { status: 202, answer: { status: 'test', reason: 'test received, no case opened' } }, // Zendesk's webhook test
  'zd-07': { status: 202, answer: { status: 'queued', writes: [{ status: 'duplicate' }] } }, // a trigger body for ticket 35436, opened by zd-05 already
};

const URLS: Record<string, string> = {
  alertmanager: '/webhooks/alerts/alertmanager',
  grafana: '/webhooks/alerts/grafana',
  events: '/v2/enqueue',
  jira: '/webhooks/itsm/jira',
  zendesk: '/webhooks/itsm/zendesk',
  slack: '/slack/events',
};

let slack: FakeSlack;
let zendesk: FakeItsm;
let bridge: TestBridge;
let baseUrl: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  zendesk = await startFakeItsm();
  zendesk.zendeskUsers.set('8447388090494', 'Alex Rivera');
  bridge = await startTestBridge({
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-corpus-token', SLACK_API_URL: slack.apiUrl },
    routing: {
      // The two channels of the Slack payloads act for the account of the case they link.
      slack: {
        channels: [
          { channel: 'C123ABC456', accountId: LINKED_ACCOUNT },
          { channel: 'C111', accountId: LINKED_ACCOUNT },
        ],
      },
      itsm: {
        connectors: {
          jira: {
            tool: 'jira',
            auth: { secret: SECRETS.jira },
            statusMap: { Done: 'Resolved', 'To Do': 'In Progress' },
            defaults: { serviceId: 'SRV-40000001' },
          },
          zd: {
            tool: 'zendesk',
            auth: { secret: SECRETS.zendesk },
            statusMap: { solved: 'Resolved' },
            defaults: { serviceId: 'SRV-40000001' },
            outbound: { baseUrl: zendesk.baseUrl, ...FAKE_CREDENTIALS.zendesk },
          },
        },
      },
      alerts: {
        sources: {
          alertmanager: { auth: { bearer: SECRETS.bearer } },
          grafana: { auth: { hmac: GRAFANA } },
          events: { auth: { bearer: SECRETS.bearer }, routingKeys: [{ name: 'alertmanager', key: '3f1e2b8c9d0a4e5fb6c7d8e9f0a1b2c3' }] },
        },
        defaults: { holdDownSeconds: 0, resolve: { message: true, status: 'Resolved' } },
        tests: { slackChannel: 'C0TESTS01' },
        rules: [{ name: 'all', service: 'SRV-40000001' }],
      },
    },
  });
  await bridge.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(bridge.app.server.address() as AddressInfo).port}`;
  slack.nextTs('C123ABC456', '1673464730.703009');
  slack.nextTs('C111', '1633663824.000500');
}, 30_000);
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
  await zendesk?.close();
});

/** The body as the tool sends it, with the corpus's placeholders and refreshed fields filled in. */
function prepare(p: RealPayload & { refresh?: string[] }): string {
  const filled = JSON.parse(JSON.stringify(p.body ?? null), (_k, v: unknown) =>
    typeof v === 'string' ? v.replaceAll('{{CASE_ID}}', LINKED_CASE).replaceAll('{{SLACK_RESPONSE_URL}}', slack.responseUrl(p.file)) : v,
  ) as unknown;
  const body = p.refresh?.includes('timestamp') ? { ...(filled as object), timestamp: Date.now() } : filled;
  return bodyBytes(p, body);
}

/** The headers the tool sends with it, signed its way. */
function headersFor(p: RealPayload, body: string): Record<string, string> {
  const own = { ...p.headers };
  const json = { 'content-type': 'application/json' };
  switch (p.target) {
    case 'alertmanager':
      return { ...own, ...json, authorization: `Bearer ${SECRETS.bearer}` };
    case 'grafana':
      return { ...own, ...grafanaHeaders(GRAFANA.secret, GRAFANA.header, GRAFANA.timestampHeader, body) };
    case 'events':
      return { ...own, ...json, ...(p.auth === 'bearer' ? { authorization: `Bearer ${SECRETS.bearer}` } : {}) };
    case 'jira':
      return {
        ...own,
        ...json,
        'x-hub-signature': `sha256=${createHmac('sha256', SECRETS.jira).update(body).digest('hex')}`,
        'x-atlassian-webhook-identifier': randomUUID(),
      };
    case 'zendesk':
      return { ...own, ...zendeskHeaders(SECRETS.zendesk, body, randomUUID()) };
    case 'slack': {
      const ts = String(Math.floor(Date.now() / 1000));
      const form = p.encoding === 'form' || p.encoding === 'slack-form';
      return {
        ...own,
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
      };
    }
    default:
      throw new Error(`${p.file}: unknown target ${p.target}`);
  }
}

const WRITE_OPS: [RegExp, Write['op']][] = [
  [/^POST \/v2\/cases$/, 'create'],
  [/^PATCH \/v2\/cases\/[^/]+$/, 'update'],
  [/^POST \/v2\/cases\/[^/]+\/case-messages$/, 'message'],
];

async function writesAfter(seq: number): Promise<Write[]> {
  return (await sandboxCalls(bridge.sandbox)).flatMap((call) => {
    if (call.seq <= seq || call.status >= 300) return [];
    const op = WRITE_OPS.find(([re]) => re.test(`${call.method} ${call.path}`))?.[1];
    return op ? [{ op, call }] : [];
  });
}

/** Nothing left to do: the intakes drained, no write waiting or on its way. */
async function settled(): Promise<boolean> {
  const intakes = (await bridge.app.inject({ method: 'GET', url: '/admin/intake', headers: ADMIN })).json() as { intakes: { backlog: number }[] };
  if (intakes.intakes.some((i) => i.backlog > 0)) return false;
  const pending = await bridge.core.outbox.pendingByLane();
  if (Object.values(pending).some((n) => n > 0)) return false;
  const jobs = await bridge.core.queues.writes.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
  return jobs.every((j) => j.name !== 'flush');
}

/** The case a label names: a seeded case id, or the case whose create carried that customerReference. */
const cases = new Map<string, string>();

async function caseOf(label: string): Promise<string> {
  if (/^CS-\d+$/.test(label)) return label;
  const id = cases.get(label);
  if (!id) throw new Error(`no case labelled ${label} was opened earlier`);
  return id;
}

describe('the real-payload corpus', () => {
  it('has an expected effect written down for every payload in it', async () => {
    expect((await bridge.core.expereo.getCase(LINKED_CASE)).serviceId).toBe(SERVICES[0]!.serviceId);
    const files = corpusFiles();
    expect(files.length).toBeGreaterThanOrEqual(41);
    const missing = files.filter((f) => !Object.keys(EXPECTED).some((k) => f.startsWith(`${k}-`)));
    expect(missing).toEqual([]);
  });

  for (const file of corpusFiles()) {
    const key = Object.keys(EXPECTED).find((k) => file.startsWith(`${k}-`));
    it(`${file}: ${key ? 'its expected effect' : 'has no expectation'}`, async () => {
      const expected = EXPECTED[key!]!;
      const p = realPayload(key!) as RealPayload & { refresh?: string[] };
      await eventually(settled);
      const mark = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
      const slackBefore = Object.fromEntries(Object.keys(expected.slack ?? {}).map((m) => [m, slack.calls(m).length]));
      const body = prepare(p);
      const res = await fetch(`${baseUrl}${URLS[p.target]}`, { method: 'POST', headers: headersFor(p, body), body });
      const text = await res.text();
      expect(res.status, text).toBe(expected.status);
      if (expected.answer) expect(JSON.parse(text)).toMatchObject(expected.answer);

      const want = expected.writes ?? [];
      if (want.length) await eventually(async () => (await writesAfter(mark)).length >= want.length);
      await eventually(settled);
      for (const [method, n] of Object.entries(expected.slack ?? {})) await eventually(async () => slack.calls(method).length >= slackBefore[method]! + n);
      const got = await writesAfter(mark);
      expect(
        got.map((w) => w.op),
        JSON.stringify(got.map((w) => w.call.body)),
      ).toEqual(want.map((w) => w.op));
      for (const [i, w] of want.entries()) {
        const call = got[i]!.call;
        if (w.op === 'create') {
          expect(call.body).toMatchObject(w.body);
          const reference = (call.body as { customerReference: string }).customerReference;
          const created = await bridge.core.expereo.findCaseByReference(reference);
          cases.set(w.as, created!.caseId);
          if (w.as.startsWith('itsm:')) expect(reference).toBe(w.as);
        } else {
          expect(call.path).toContain(`/v2/cases/${await caseOf(w.on)}`);
          if (w.op === 'update') expect(call.body).toEqual(w.body);
          else expect((call.body as { message: string }).message).toContain(w.contains);
        }
      }
      for (const [method, n] of Object.entries(expected.slack ?? {})) expect(slack.calls(method).length).toBe(slackBefore[method]! + n);
    });
  }
});
