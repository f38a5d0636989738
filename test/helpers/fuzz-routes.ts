import { createHmac } from 'node:crypto';
import { AM_TOKEN, EVENTS_TOKEN, GRAFANA_HEADER, GRAFANA_SECRET, alertsRouting } from '../fixtures/alerts/bridge-routing.js';
import { fixture as alertFixture } from '../fixtures/alerts/payloads.js';
import { fixture as itsmFixture, DESK_FIELD_PATHS } from './fake-itsm.js';
import { SIGNING_SECRET } from './fake-slack.js';
import { DEEP, jsonSeed, literalWithDeep, patched, seedValue, type BodyRecipe, type Seed } from './fuzz-bodies.js';
import { FUZZ_CHANNEL, slackExamples, slackSeeds } from './fuzz-slack.js';

export { FUZZ_CHANNEL, LINKED_THREAD } from './fuzz-slack.js';

/**
 * Every webhook route the bridge serves, as the fuzz tests see it: its URL, how a sender signs a
 * body for it, which headers carry the credential, and realistic payloads to mutate. One routing
 * file configures them all on one bridge.
 */

export interface FuzzRoute {
  name: string;
  url: string;
  /** Credential headers, in the order a header plan's tamper list applies to them. */
  authHeaders: string[];
  /** How the route's sender writes a time in its timestamp header (routes without one ignore it). */
  formatTime(ms: number): string;
  /** The headers a genuine sender would add for this body and timestamp. */
  sign(raw: Buffer, timestamp: string | undefined): Record<string, string>;
  seeds: Seed[];
  /** Bodies every run tries first: shapes known to break naive handling (found by fuzzing, kept as regressions). */
  examples: BodyRecipe[];
  /** Slack answers 200 to anything it authenticated, even what it does not understand. */
  slack?: boolean;
}

const JIRA_SECRET = 'fuzz-jira-secret-0001';
const ZENDESK_SECRET = 'fuzz-zendesk-secret-01';
const SN_SECRET = 'fuzz-servicenow-secret';
const DESK_TOKEN = 'fuzz-desk-bearer-token-0001';
const GRAFANA_TS_HEADER = 'x-grafana-alerting-signature-timestamp';
const SN_HEADER = 'x-sn-signature';
const SN_TS_HEADER = 'x-sn-timestamp';

export const FUZZ_ACCOUNT = 'ACC-98000001';

const hmac = (secret: string, ...parts: (string | Buffer)[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', secret));
const seconds = (ms: number) => String(Math.floor(ms / 1000));
let deliveries = 0;
const nextDelivery = () => `fuzz-delivery-${++deliveries}`;

/** The routing file: alerts as the alert tests configure them (Grafana with a signed timestamp), one connector per ITSM tool, one Slack channel. */
export function fuzzRouting(): Record<string, unknown> {
  return {
    alerts: {
      ...alertsRouting,
      maxBodyBytes: 256 * 1024,
      sources: {
        ...alertsRouting.sources,
        grafana: { auth: { hmac: { secret: GRAFANA_SECRET, header: GRAFANA_HEADER, timestampHeader: GRAFANA_TS_HEADER } } },
      },
    },
    itsm: {
      maxBodyBytes: 256 * 1024,
      connectors: {
        'fuzz-jira': { tool: 'jira', auth: { secret: JIRA_SECRET }, defaults: { serviceId: 'SRV-40000001' } },
        'fuzz-zd': { tool: 'zendesk', auth: { secret: ZENDESK_SECRET }, defaults: { serviceId: 'SRV-40000001' } },
        'fuzz-sn': {
          tool: 'servicenow',
          auth: { type: 'hmac', secret: SN_SECRET, header: SN_HEADER, encoding: 'base64', timestampHeader: SN_TS_HEADER },
          servicePath: 'payload.u_expereo_service',
        },
        'fuzz-desk': {
          tool: 'generic',
          auth: { type: 'bearer', token: DESK_TOKEN },
          defaults: { serviceId: 'SRV-40000001' },
          events: { created: ['ticket_created'], commented: ['note_added'] },
          fieldPaths: DESK_FIELD_PATHS,
        },
      },
    },
    slack: { channels: [{ channel: FUZZ_CHANNEL, accountId: FUZZ_ACCOUNT, defaultServiceId: 'SRV-40000001' }] },
  };
}

export function fuzzEnv(slackApiUrl: string): Record<string, string> {
  return { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-fuzz-token', SLACK_API_URL: slackApiUrl };
}

const json = jsonSeed;
const bearer = (token: string) => () => ({ authorization: `Bearer ${token}` });

/** Alertmanager and Grafana: a label or annotation value that is a deeply nested array. */
function groupExamples(seeds: Seed[]): BodyRecipe[] {
  const withAlertLabel = seedValue(seeds, 0);
  withAlertLabel.alerts[0].labels.trace = 'DEEP';
  return [
    literalWithDeep('commonLabels.trace nested 20,000 deep', patched(seedValue(seeds, 0), ['commonLabels'], { trace: 'DEEP' }), DEEP),
    literalWithDeep('alerts[0].labels.trace nested 20,000 deep', withAlertLabel, DEEP),
    literalWithDeep('commonAnnotations.trace nested 20,000 deep', patched(seedValue(seeds, 0), ['commonAnnotations'], { trace: 'DEEP' }), DEEP),
  ];
}

/** The routes, with seeds made now (Jira's signed body time must be recent). */
export function fuzzRoutes(o: { slackResponseUrl: string; nowMs?: number }): FuzzRoute[] {
  const now = o.nowMs ?? Date.now();
  const none = () => '';
  const amSeeds = [json(alertFixture('alertmanager-firing.json')), json(alertFixture('alertmanager-second-alert.json'))];
  const grafanaSeeds = [json(alertFixture('grafana-firing.json'))];
  const eventSeeds = ['events-trigger.json', 'events-acknowledge.json', 'events-resolve.json'].map((f) => json(alertFixture(f)));
  const snSeeds = ['servicenow-incident-created', 'servicenow-comment'].map((f) => json(itsmFixture(f)));
  const jiraSeeds = ['jira-issue-created', 'jira-issue-updated', 'jira-comment-created'].map((f) =>
    json({ ...itsmFixture<Record<string, unknown>>(f), timestamp: now }),
  );
  const zdSeeds = ['zendesk-ticket-created', 'zendesk-comment-added', 'zendesk-priority-changed'].map((f) => json(itsmFixture(f)));
  const deskSeeds = ['generic-ticket-created', 'generic-note-added'].map((f) => json(itsmFixture(f)));
  const slackSeedList = slackSeeds(o.slackResponseUrl);
  return [
    {
      name: 'alertmanager',
      url: '/webhooks/alerts/alertmanager',
      authHeaders: ['authorization'],
      formatTime: none,
      sign: bearer(AM_TOKEN),
      seeds: amSeeds,
      examples: groupExamples(amSeeds),
    },
    {
      name: 'grafana',
      url: '/webhooks/alerts/grafana',
      authHeaders: [GRAFANA_HEADER, GRAFANA_TS_HEADER],
      formatTime: seconds,
      sign: (raw, ts) => ({
        [GRAFANA_HEADER]: hmac(GRAFANA_SECRET, ...(ts === undefined ? [] : [`${ts}:`]), raw).digest('hex'),
        ...(ts === undefined ? {} : { [GRAFANA_TS_HEADER]: ts }),
      }),
      seeds: grafanaSeeds,
      examples: groupExamples(grafanaSeeds),
    },
    {
      name: 'events',
      url: '/webhooks/alerts/events',
      authHeaders: ['authorization'],
      formatTime: none,
      sign: bearer(EVENTS_TOKEN),
      seeds: eventSeeds,
      examples: [
        literalWithDeep(
          'trigger, custom_details.trace nested 20,000 deep',
          patched(seedValue(eventSeeds, 0), ['payload'], { custom_details: { trace: 'DEEP' } }),
          DEEP,
        ),
        literalWithDeep('trigger, custom_details nested 20,000 deep', patched(seedValue(eventSeeds, 0), ['payload'], { custom_details: 'DEEP' }), DEEP),
      ],
    },
    {
      name: 'servicenow',
      url: '/webhooks/itsm/servicenow',
      authHeaders: [SN_HEADER, SN_TS_HEADER],
      formatTime: seconds,
      sign: (raw, ts) => ({
        [SN_HEADER]: hmac(SN_SECRET, ...(ts === undefined ? [] : [`${ts}.`]), raw).digest('base64'),
        ...(ts === undefined ? {} : { [SN_TS_HEADER]: ts }),
      }),
      seeds: snSeeds,
      examples: [
        literalWithDeep(
          'incident created, short_description and service nested 20,000 deep',
          { ...seedValue(snSeeds, 0), short_description: 'DEEP', u_expereo_service: 'DEEP' },
          DEEP,
        ),
      ],
    },
    {
      name: 'jira',
      url: '/webhooks/itsm/jira',
      authHeaders: ['x-hub-signature', 'x-atlassian-webhook-identifier'],
      formatTime: none,
      sign: (raw) => ({ 'x-hub-signature': `sha256=${hmac(JIRA_SECRET, raw).digest('hex')}`, 'x-atlassian-webhook-identifier': nextDelivery() }),
      seeds: jiraSeeds,
      examples: [
        literalWithDeep(
          'issue created, summary and labels nested 20,000 deep',
          patched(seedValue(jiraSeeds, 0), ['issue', 'fields'], { summary: 'DEEP', labels: 'DEEP' }),
          DEEP,
        ),
      ],
    },
    {
      name: 'zendesk',
      url: '/webhooks/itsm/zendesk',
      authHeaders: ['x-zendesk-webhook-signature', 'x-zendesk-webhook-signature-timestamp', 'x-zendesk-webhook-invocation-id'],
      formatTime: (ms) => new Date(ms).toISOString(),
      sign: (raw, ts) => ({
        'x-zendesk-webhook-signature': hmac(ZENDESK_SECRET, ts ?? '', raw).digest('base64'),
        ...(ts === undefined ? {} : { 'x-zendesk-webhook-signature-timestamp': ts }),
        'x-zendesk-webhook-invocation-id': nextDelivery(),
      }),
      seeds: zdSeeds,
      examples: [
        literalWithDeep(
          'ticket created, subject and tags nested 20,000 deep',
          patched(seedValue(zdSeeds, 0), ['detail'], { subject: 'DEEP', tags: 'DEEP' }),
          DEEP,
        ),
      ],
    },
    {
      name: 'generic',
      url: '/webhooks/itsm/generic/fuzz-desk',
      authHeaders: ['authorization'],
      formatTime: none,
      sign: bearer(DESK_TOKEN),
      seeds: deskSeeds,
      examples: [
        literalWithDeep(
          'ticket created, subject and priority nested 20,000 deep',
          patched(seedValue(deskSeeds, 0), ['data', 'ticket'], { subject: 'DEEP', priority_name: 'DEEP' }),
          DEEP,
        ),
      ],
    },
    {
      name: 'slack',
      url: '/slack/events',
      authHeaders: ['x-slack-signature', 'x-slack-request-timestamp'],
      formatTime: seconds,
      sign: (raw, ts) => ({
        'x-slack-signature': `v0=${hmac(SIGNING_SECRET, `v0:${ts ?? ''}:`, raw).digest('hex')}`,
        ...(ts === undefined ? {} : { 'x-slack-request-timestamp': ts }),
      }),
      seeds: slackSeedList,
      examples: slackExamples(slackSeedList),
      slack: true,
    },
  ];
}
