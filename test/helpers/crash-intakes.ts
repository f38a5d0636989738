import { createHmac, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/config.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { slackLink } from '../../src/slack/links.js';
import { alertsRouting, circuitIncident, createKeyOf as alertCreateKey, postAlert } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';
import { startTestBridge, type TestBridge } from './bridge.js';
import { FAKE_CREDENTIALS, fixture as itsmFixture, startFakeItsm } from './fake-itsm.js';
import { FAKE_BOT, interactive, messageEvent, SIGNING_SECRET, startFakeSlack, type FakeSlack } from './fake-slack.js';

/**
 * The intakes of test/integration/crash-points.test.ts, each as its sender uses it: a bridge set up
 * for it and a fresh event per run, sent until acknowledged, with its effect as the sandbox records it.
 */

/** Production's recovery timings (the configuration's defaults), not the shorter ones other tests use. */
const DEFAULTS = loadConfig({}).writes;
const ENV = {
  WRITE_SWEEP_EVERY: `${DEFAULTS.sweepEveryMs}ms`,
  WRITE_STALLED_INTERVAL: `${DEFAULTS.stalledIntervalMs}ms`,
  WRITE_LOCK_TIMEOUT: `${DEFAULTS.lockTimeoutMs}ms`,
  WRITE_BACKOFF: `${DEFAULTS.backoffMs}ms`,
  // The reply poller is not on the write path; slower (and without the fast beat: no scans between
  // two scheduled ones), it adds fewer steps of its own to the record.
  MIRROR_SCAN_EVERY: '10s',
  MIRROR_SCAN_FLOOR: '10s',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface PathRun {
  /** Sends the event as its sender does, until it is acknowledged. */
  send(): Promise<void>;
  /** How many times the event's effect is in the sandbox's record. */
  effects(calls: CallRecord[]): number;
  /**
   * Whether the event must have its effect: it was acknowledged, or its write got into the outbox
   * (someone told their request could not be queued, whose write did get in, still gets the case).
   */
  owed(): Promise<boolean>;
  /** The key of the write the event makes. */
  writeKey: string;
}

/** An intake's bridge (on the given Redis URL, with `env` on top of its own) and its events. */
export type Setup = (
  redisUrl: string,
  env?: Record<string, string>,
) => Promise<{ bridge: TestBridge; next(n: number, direct: Redis): PathRun; close?(): Promise<void> }>;

/** Sends until the answer is acknowledged (a sender tries again after anything else). */
async function untilAcknowledged(
  send: () => Promise<{ statusCode: number; body: string }>,
  acknowledged: (res: { statusCode: number; body: string }) => boolean,
): Promise<void> {
  for (let i = 0; ; i++) {
    const res = await send().catch(() => ({ statusCode: 0, body: '' }));
    if (acknowledged(res)) return;
    if (i > 200) throw new Error(`never acknowledged (last ${res.statusCode} ${res.body})`);
    await sleep(200);
  }
}

const status = (code: number) => (res: { statusCode: number }) => res.statusCode === code;
const always = async () => true;

const creates = (calls: CallRecord[], reference: string) =>
  calls.filter(
    (c) => c.method === 'POST' && c.path === '/v2/cases' && c.status === 201 && (c.body as { customerReference?: string }).customerReference === reference,
  ).length;

// ---- the four intakes: an alert notification, a Slack event, an ITSM delivery, a Slack modal -----

export const alerts: Setup = async (url, extra = {}) => {
  const { events: _events, ...sources } = alertsRouting.sources;
  const bridge = await startTestBridge({ redisUrl: url, env: { ...ENV, ...extra }, routing: { alerts: { ...alertsRouting, sources } } });
  return {
    bridge,
    next: (n) => {
      const circuit = `CIR-Z${n}`;
      const payload = alertmanagerGroup(circuit, [{ name: 'CircuitDown', fingerprint: `fc${n}` }], { team: 'network' });
      return {
        // Alertmanager sends a notification again until it gets a 2xx.
        send: () => untilAcknowledged(() => postAlert(bridge, 'alertmanager', payload), status(202)),
        effects: (calls) => creates(calls, circuitIncident(circuit)),
        owed: always,
        writeKey: alertCreateKey(circuitIncident(circuit)),
      };
    },
  };
};

const CHANNEL = 'C0CRASH001';
const PERSON = 'UPERSON01';
const slackEnv = (slack: FakeSlack) => ({ ...ENV, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl });
const slackRouting = { slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-98000001' }] } };

export const slackEvents: Setup = async (url, extra = {}) => {
  const slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  const bridge = await startTestBridge({ redisUrl: url, env: { ...slackEnv(slack), ...extra }, routing: slackRouting });
  const threadTs = '1700400000.000100';
  const kase = await bridge.core.expereo.createCase({
    type: 'Incident',
    subject: 'ServiceDown',
    priority: 'P3',
    serviceId: 'SRV-40000001',
    description: 'crash points',
    startOfIncident: new Date().toISOString(),
  });
  await bridge.core.sync.link(kase.caseId, slackLink(CHANNEL, threadTs));
  return {
    bridge,
    close: () => slack.close(),
    next: (n) => {
      const text = `Reply ${n} in the case thread.`;
      const ts = `${1700400100 + n}.000200`;
      let tries = 0;
      return {
        // Slack delivers an event again (X-Slack-Retry-Num) until it gets a 2xx.
        send: () =>
          untilAcknowledged(() => {
            const retry = tries++;
            return bridge.app.inject(
              messageEvent({ channel: CHANNEL, user: PERSON, text, ts, threadTs, eventId: `Ev0CRASH${n}` }, retry > 0 ? { retryNum: retry } : {}),
            );
          }, status(200)),
        effects: (calls) =>
          calls.filter(
            (c) =>
              c.method === 'POST' &&
              c.path === `/v2/cases/${kase.caseId}/case-messages` &&
              c.status === 201 &&
              (c.body as { message: string }).message.includes(text),
          ).length,
        owed: always,
        writeKey: `slack:${FAKE_BOT.teamId}:${CHANNEL}:${ts}`,
      };
    },
  };
};

const JIRA_SECRET = 'jira-webhook-secret-crash';

export const itsm: Setup = async (url, extra = {}) => {
  const tool = await startFakeItsm();
  const bridge = await startTestBridge({
    redisUrl: url,
    env: { ...ENV, ...extra },
    routing: {
      itsm: {
        connectors: {
          'acme-jira': {
            tool: 'jira',
            auth: { secret: JIRA_SECRET },
            defaults: { serviceId: 'SRV-40000001' },
            outbound: { baseUrl: tool.baseUrl, ...FAKE_CREDENTIALS.jira },
          },
        },
      },
    },
  });
  return {
    bridge,
    close: () => tool.close(),
    next: (n) => {
      const payload = itsmFixture('jira-issue-created');
      const key = `OPS-${5000 + n}`;
      payload.issue.key = key;
      payload.issue.id = String(900_000 + n);
      const deliveryId = randomUUID();
      return {
        // Jira sends a delivery again, with the same identifier, until it gets a 2xx.
        send: () =>
          untilAcknowledged(() => {
            const body = JSON.stringify({ ...payload, timestamp: Date.now() });
            return bridge.app.inject({
              method: 'POST',
              url: '/webhooks/itsm/jira',
              payload: body,
              headers: {
                'content-type': 'application/json',
                'x-hub-signature': `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`,
                'x-atlassian-webhook-identifier': deliveryId,
              },
            });
          }, status(202)),
        effects: (calls) => creates(calls, `itsm:acme-jira:${key}`),
        owed: always,
        writeKey: `itsm:acme-jira:${key}`,
      };
    },
  };
};

export const slackCommand: Setup = async (url, extra = {}) => {
  const slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  const bridge = await startTestBridge({ redisUrl: url, env: { ...slackEnv(slack), ...extra }, routing: slackRouting });
  const metadata = JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId });
  return {
    bridge,
    close: () => slack.close(),
    next: (n, direct) => {
      const viewId = `V0CRASH${String(n).padStart(5, '0')}`;
      const createKey = `slack:${FAKE_BOT.teamId}:view:${viewId}`;
      const values = {
        type: { case_type: { type: 'static_select', selected_option: { value: 'Incident' } } },
        subject_incident: { subject: { type: 'static_select', selected_option: { value: 'ServiceDown' } } },
        priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P2' } } },
        service: { service: { type: 'external_select', selected_option: { value: 'SRV-40000001' } } },
        site: { site: { type: 'external_select', selected_option: null } },
        description: { description: { type: 'plain_text_input', value: `Office ${n} offline` } },
        start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: Math.floor(Date.now() / 1000) - 600 } },
      };
      const submission = () =>
        interactive({
          type: 'view_submission',
          team: { id: FAKE_BOT.teamId, domain: 'test' },
          user: { id: PERSON, username: 'ana', name: 'ana', team_id: FAKE_BOT.teamId },
          api_app_id: 'A0TEST01',
          trigger_id: `trig-${n}`,
          view: { id: viewId, hash: `hash-${viewId}`, type: 'modal', callback_id: 'expereo_case_new', private_metadata: metadata, state: { values } },
        });
      const from = slack.calls().length;
      return {
        // The modal closes on an empty 200; on anything else it stays open (with the reason, or
        // Slack's own error) and the person presses Submit again.
        send: () =>
          untilAcknowledged(
            () => bridge.app.inject(submission()),
            (res) => res.statusCode === 200 && res.body === '',
          ),
        effects: (calls) => creates(calls, createKey),
        // After the modal closed, the channel message is what tells the person: queued, or could not be.
        owed: async () => {
          const told = slack
            .calls()
            .slice(from)
            .some((c) => /could not be created|was not opened/.test(String(c.params.text)));
          return !told || (await direct.exists(`${bridge.prefix}:w:e:${createKey}`)) === 1;
        },
        writeKey: createKey,
      };
    },
  };
};
