import { createHmac } from 'node:crypto';

/**
 * The bodies of the ingest benchmark, each one different so that none is answered as a repeat:
 * Alertmanager v4 notifications for a new alert group every time (a new incident, whose case create
 * is queued), and Slack replies in a case thread, each a new message (a new case message queued),
 * signed with the time they are sent.
 */

export const BENCH_AM_TOKEN = 'bench-alertmanager-token-0123456789';
export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BENCH_TEAM = 'T0BENCH01';
export const BENCH_CHANNEL = 'C0BENCH001';
export const BENCH_THREAD = { caseId: 'CS-BENCH-0001', threadTs: '1700000000.000100' };
export const BENCH_ACCOUNT = 'ACC-98000001';

/** The routing file of the benchmarked bridge: one Alertmanager source and rule, one Slack channel. */
export function benchRouting(): Record<string, unknown> {
  return {
    alerts: {
      sources: { alertmanager: { auth: { bearer: BENCH_AM_TOKEN } } },
      // A case for every new group at once: the path with the most work per notification.
      defaults: { holdDownSeconds: 0, flap: false },
      rules: [{ name: 'network', matchers: ['team="network"'], service: 'SRV-40000001' }],
    },
    slack: { channels: [{ channel: BENCH_CHANNEL, accountId: BENCH_ACCOUNT, defaultServiceId: 'SRV-40000001' }] },
  };
}

/** Notification `n`: two firing alerts of circuit `CIR-B<n>`, a group no earlier request named. */
export function alertmanagerBody(n: number, runId: string): string {
  const circuit = `CIR-B${runId}-${n}`;
  const alert = (name: string, severity: string) => ({
    status: 'firing',
    labels: { alertname: name, circuit_id: circuit, severity, team: 'network', job: 'snmp', instance: 'cr1.ams.example.net:9116' },
    annotations: { summary: `${name} on circuit ${circuit}`, description: `${name} detected on ${circuit} by the SNMP exporter.` },
    startsAt: '2025-03-04T09:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.net:9090/graph?g0.expr=${name}`,
    fingerprint: `${runId}${n.toString(16).padStart(8, '0')}${name.length}`,
  });
  return JSON.stringify({
    receiver: 'expereo-bridge',
    status: 'firing',
    alerts: [alert('CircuitDown', 'critical'), alert('PacketLoss', 'warning')],
    groupLabels: { circuit_id: circuit },
    commonLabels: { circuit_id: circuit, team: 'network', job: 'snmp' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.net:9093',
    version: '4',
    groupKey: `{}/{team="network"}:{circuit_id="${circuit}"}`,
    truncatedAlerts: 0,
  });
}

export function alertmanagerHeaders(): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${BENCH_AM_TOKEN}` };
}

/** Event `n`: a person's reply in the linked case thread, with its own event id and message ts. */
export function slackReplyBody(n: number, runId: string): string {
  // Slack's ts is seconds and microseconds; the key prefix of each run keeps runs apart.
  const ts = `${1_700_000_100 + n}.000200`;
  return JSON.stringify({
    token: 'legacy-token',
    team_id: BENCH_TEAM,
    api_app_id: 'A0BENCH01',
    type: 'event_callback',
    event_id: `Ev${runId}${n}`,
    event_time: 1_700_000_100 + n,
    authorizations: [{ team_id: BENCH_TEAM, user_id: 'UBOT0001', is_bot: true }],
    event: {
      type: 'message',
      channel: BENCH_CHANNEL,
      channel_type: 'channel',
      user: 'UPERSON01',
      text: `Still no traffic on the Paris link (check ${n}); the router shows the WAN port down.`,
      ts,
      thread_ts: BENCH_THREAD.threadTs,
    },
  });
}

/** Slack's v0 signature of a body sent now. */
export function slackHeaders(body: string, nowMs = Date.now()): Record<string, string> {
  const ts = String(Math.floor(nowMs / 1000));
  const signature = `v0=${createHmac('sha256', BENCH_SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature };
}
