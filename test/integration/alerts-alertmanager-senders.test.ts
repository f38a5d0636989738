/**
 * Debian's real Alertmanager sending one alert group to the bridge through a `pagerduty_configs`
 * receiver whose `url` is `/v2/enqueue` (the routing key its credential) and, alongside, a
 * `webhook_configs` receiver authenticated with `basic_auth` or `authorization` (Bearer): each
 * receiver's incident opens one case, its resolve resolves it, and Alertmanager counts no failed
 * notification.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AlertmanagerCluster, findAlertmanager } from '../helpers/alertmanager.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';

const alertmanager = findAlertmanager();
const ROUTING_KEY = 'A0123456789abcdef0123456789abcde';
const PASSWORD = 'alertmanager-basic-password-01';
const TOKEN = 'alertmanager-bearer-token-0123';

type WebhookAuth = { basic: { username: string; password: string } } | { bearer: string };

function configYaml(base: string, auth: WebhookAuth): string {
  const httpConfig =
    'basic' in auth
      ? [
          '          basic_auth:',
          `            username: ${JSON.stringify(auth.basic.username)}`,
          `            password: ${JSON.stringify(auth.basic.password)}`,
        ]
      : ['          authorization:', '            type: Bearer', `            credentials: ${JSON.stringify(auth.bearer)}`];
  return [
    'route:',
    '  receiver: pagerduty',
    '  group_by: [circuit_id]',
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    '  routes:',
    '    - { receiver: pagerduty, continue: true }',
    '    - { receiver: webhook }',
    'receivers:',
    '  - name: pagerduty',
    '    pagerduty_configs:',
    `      - url: ${JSON.stringify(`${base}/v2/enqueue`)}`,
    `        routing_key: ${JSON.stringify(ROUTING_KEY)}`,
    '        send_resolved: true',
    '  - name: webhook',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(`${base}/webhooks/alerts/alertmanager`)}`,
    '        send_resolved: true',
    '        http_config:',
    ...httpConfig,
    '',
  ].join('\n');
}

const creates = async (bridge: TestBridge) =>
  (await sandboxCalls(bridge.sandbox)).filter((c) => c.method === 'POST' && c.path === '/v2/cases' && c.status < 300);
const resolves = async (bridge: TestBridge) =>
  (await sandboxCalls(bridge.sandbox)).filter((c) => c.method === 'PATCH' && c.status < 300 && (c.body as { status?: string }).status === 'Resolved');

describe.skipIf(!alertmanager.ok)('a real Alertmanager: PagerDuty receiver and webhook receiver side by side', () => {
  for (const [name, auth] of [
    ['basic_auth', { basic: { username: 'alertmanager', password: PASSWORD } }],
    ['authorization (Bearer)', { bearer: TOKEN }],
  ] as [string, WebhookAuth][]) {
    it(`pagerduty_configs to /v2/enqueue and webhook_configs with ${name}: one case each, resolved, nothing failed`, async () => {
      if (!alertmanager.ok) return;
      const bridge = await startTestBridge({
        routing: {
          alerts: {
            sources: { alertmanager: { auth }, events: { routingKeys: [{ name: 'alertmanager', key: ROUTING_KEY }] } },
            defaults: { holdDownSeconds: 0, resolve: { status: 'Resolved' } },
            rules: [{ name: 'network', service: 'SRV-40000001' }],
          },
        },
      });
      await bridge.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(bridge.app.server.address() as AddressInfo).port}`;
      const am = await AlertmanagerCluster.start({
        binaries: alertmanager.binaries,
        peers: 1,
        webhookUrl: '',
        bearer: '',
        groupBy: [],
        groupWait: '1s',
        groupInterval: '1s',
        repeatInterval: '1h',
        peerTimeout: '1s',
        configYaml: configYaml(base, auth),
      });
      try {
        const labels = { alertname: 'CircuitDown', circuit_id: 'CIR-9300', severity: 'critical' };
        const startsAt = new Date().toISOString();
        await am.addAlert(labels, { startsAt });
        await eventually(async () => (await creates(bridge)).length >= 2, 30_000);
        const refs = (await creates(bridge)).map((c) => (c.body as { customerReference: string }).customerReference).sort();
        expect(refs).toHaveLength(2);
        // The webhook receiver's group key names its child route (`{}/{}`).
        expect(refs[0]).toBe('alertmanager:{}/{}:{circuit_id="CIR-9300"}');
        expect(refs[1]).toMatch(/^events:alertmanager\/[0-9a-f]{64}$/);

        await am.addAlert(labels, { startsAt, endsAt: new Date().toISOString() });
        await eventually(async () => (await resolves(bridge)).length >= 2, 30_000);
        expect(await creates(bridge)).toHaveLength(2);
        const sent = await am.counter('alertmanager_notifications_total');
        const failed = await am.counter('alertmanager_notifications_failed_total');
        expect(sent[0]).toBeGreaterThanOrEqual(4);
        expect(failed).toEqual([0]);
      } finally {
        await am.close();
        await bridge.close();
      }
    }, 90_000);
  }
});
