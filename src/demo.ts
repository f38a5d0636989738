import { createHmac } from 'node:crypto';

/** The demo's secrets and names: the values `examples/demo.yaml` sets. */
export const DEMO = {
  routingFile: 'examples/demo.yaml',
  alertmanagerToken: 'demo-alertmanager-token',
  jiraConnector: 'demo-jira',
  jiraSecret: 'demo-jira-webhook-secret',
  ticket: 'DEMO-1',
  alertGroup: '{}:{alertname="DemoCircuitDown"}',
} as const;

export interface DemoRequest {
  what: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * What the demo sends, as each tool sends it: an Alertmanager notification (webhook format 4) of a
 * firing alert, a Jira ticket created, and a comment added to it, each signed as its tool signs.
 */
export function demoRequests(now: Date): DemoRequest[] {
  const at = now.toISOString();
  const alert = {
    version: '4',
    groupKey: DEMO.alertGroup,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'expereo-bridge',
    groupLabels: { alertname: 'DemoCircuitDown' },
    commonLabels: { alertname: 'DemoCircuitDown', severity: 'critical', instance: 'edge-router-01' },
    commonAnnotations: { summary: 'Demo: the Madrid branch circuit is down' },
    externalURL: 'http://alertmanager.demo.invalid:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'DemoCircuitDown', severity: 'critical', instance: 'edge-router-01' },
        annotations: { summary: 'Demo: the Madrid branch circuit is down', description: 'No BGP session with the carrier for 5 minutes.' },
        startsAt: at,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.demo.invalid:9090/graph',
        fingerprint: 'demo0000circuit1',
      },
    ],
  };
  const issue = {
    id: '10001',
    key: DEMO.ticket,
    fields: {
      summary: 'Demo: VPN to the Lisbon office drops every hour',
      description: 'Users in Lisbon lose the VPN for a minute at the top of each hour.',
      priority: { name: 'High' },
      issuetype: { name: 'Incident' },
      status: { name: 'Open' },
      created: at,
      reporter: { displayName: 'Dana Demo' },
    },
  };
  const created = { timestamp: now.getTime(), webhookEvent: 'jira:issue_created', issue };
  const comment = {
    timestamp: now.getTime() + 1,
    webhookEvent: 'comment_created',
    issue,
    comment: { id: '20001', body: 'It happened again at 10:00; the tunnel log is attached.', author: { displayName: 'Dana Demo' }, created: at },
  };
  const jira = (what: string, payload: unknown): DemoRequest => {
    const body = JSON.stringify(payload);
    return {
      what,
      path: `/webhooks/itsm/jira?connector=${DEMO.jiraConnector}`,
      headers: { 'content-type': 'application/json', 'x-hub-signature': `sha256=${createHmac('sha256', DEMO.jiraSecret).update(body).digest('hex')}` },
      body,
    };
  };
  return [
    {
      what: 'an Alertmanager notification (DemoCircuitDown, firing)',
      path: '/webhooks/alerts/alertmanager',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO.alertmanagerToken}` },
      body: JSON.stringify(alert),
    },
    jira(`a Jira ticket created (${DEMO.ticket})`, created),
    jira(`a comment on ${DEMO.ticket}`, comment),
  ];
}

export interface DemoResult {
  what: string;
  status: number;
  answer: string;
}

/** Sends the demo's requests to the bridge at `base`, in order (the comment after its ticket). */
export async function sendDemo(base: string, now = new Date()): Promise<DemoResult[]> {
  const results: DemoResult[] = [];
  for (const r of demoRequests(now)) {
    const res = await fetch(new URL(r.path, base), { method: 'POST', headers: r.headers, body: r.body });
    results.push({ what: r.what, status: res.status, answer: (await res.text()).slice(0, 200) });
  }
  return results;
}
