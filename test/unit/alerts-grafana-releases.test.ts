import { describe, expect, it } from 'vitest';
import { caseDescription } from '../../src/alerts/render.js';
import { MAX_ENRICHMENTS_CHARS } from '../../src/alerts/sources/grafana.js';
import { parseNotification } from '../../src/alerts/sources/index.js';
import type { Notification } from '../../src/alerts/notification.js';
import { incidentKeyOf } from '../../src/alerts/incident-key.js';
import { fixture } from '../fixtures/alerts/payloads.js';

/** The default webhook body of each Grafana release (see test/fixtures/alerts/grafana/SOURCES.md). */
const RELEASES = ['10.4', '11.6', '12.0', '12.3', '12.4'] as const;
type Body = Record<string, unknown> & { alerts: Record<string, unknown>[] };
const body = (release: string) => fixture<Body>(`grafana/grafana-${release}.json`);

function parsed(payload: unknown, author?: string): Notification {
  const r = parseNotification('grafana', payload, author);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.notification;
}

const describeCase = (n: Notification) => caseDescription({ key: incidentKeyOf(n, []).key, author: n.author, title: n.title }, n.alerts, 6000);

describe('Grafana webhook bodies, release by release', () => {
  const base = parsed(body('10.4'));

  it.each(RELEASES)('%s: one incident, the same alert as 10.4', (release) => {
    const n = parsed(body(release));
    expect(incidentKeyOf(n, []).key).toBe('grafana:alertname');
    expect(incidentKeyOf(n, [])).toEqual(incidentKeyOf(base, []));
    expect(n).toMatchObject({ status: 'firing', truncated: 0, title: '[FIRING:1]  (val1)', externalURL: 'http://localhost', receiver: 'my_receiver' });
    expect(n.alerts.map((a) => [a.id, a.fingerprint, a.name, a.status, a.labels])).toEqual(
      base.alerts.map((a) => [a.id, a.fingerprint, a.name, a.status, a.labels]),
    );
    expect(n.alerts[0]!.startsAt).toBeUndefined(); // Go's zero time
    expect(n.alerts[0]!.values).toBeUndefined(); // values null, valueString ""
  });

  it('10.4 to 12.3 name no version: the author stays "Grafana"', () => {
    for (const release of ['10.4', '11.6', '12.0', '12.3']) expect(parsed(body(release)).author).toBe('Grafana');
  });

  it("12.4: the author carries Grafana's appVersion, unless the routing file names one", () => {
    const n = parsed(body('12.4'));
    expect(n.author).toBe('Grafana 12.4.3');
    expect(describeCase(n)).toContain('Opened automatically from Grafana 12.4.3 for incident grafana:alertname.');
    expect(parsed(body('12.4'), 'Grafana (NOC)').author).toBe('Grafana (NOC)');
  });

  it("12.4: the rule's UID is shown with a link to the rule in Grafana, in the alert's organisation", () => {
    const n = parsed(body('12.4'));
    expect(n.alerts[0]!.links).toContainEqual({ title: 'rule test-rule-uid', url: 'http://localhost/alerting/grafana/test-rule-uid/view?orgId=1' });
    expect(describeCase(n)).toContain('  rule test-rule-uid: http://localhost/alerting/grafana/test-rule-uid/view?orgId=1');
    for (const release of ['10.4', '11.6', '12.0', '12.3']) {
      expect(parsed(body(release)).alerts[0]!.links.map((l) => l.title)).toEqual(['dashboard', 'panel', 'silence']);
    }
  });

  it("links the rule through Grafana's generatorURL when it already points at the rule, under a sub-path too", () => {
    const payload = body('12.4');
    payload.externalURL = 'https://grafana.example.net/grafana/';
    payload.alerts[0]!.generatorURL = 'https://grafana.example.net/grafana/alerting/grafana/test-rule-uid/view?orgId=1';
    expect(parsed(payload).alerts[0]!.links.at(-1)).toEqual({ title: 'rule test-rule-uid', url: payload.alerts[0]!.generatorURL });
    payload.alerts[0]!.generatorURL = '';
    delete payload.alerts[0]!.orgId;
    payload.orgId = 7;
    expect(parsed(payload).alerts[0]!.links.at(-1)).toEqual({
      title: 'rule test-rule-uid',
      url: 'https://grafana.example.net/grafana/alerting/grafana/test-rule-uid/view?orgId=7',
    });
  });

  it('12.3 and 12.4: small enrichments are shown compactly with the alert; large ones are left out', () => {
    for (const release of ['12.3', '12.4']) {
      const n = parsed(body(release));
      expect(n.alerts[0]!.annotations).toEqual({ ann1: 'annv1', enrichments: '{"customField":"customValue1","priority":"high"}' });
      expect(describeCase(n)).toContain('    enrichments: {"customField":"customValue1","priority":"high"}');
    }
    const big = body('12.3');
    big.alerts[0]!.enrichments = { logs: 'x'.repeat(MAX_ENRICHMENTS_CHARS) };
    const n = parsed(big);
    expect(n.alerts[0]!.annotations).toEqual({ ann1: 'annv1' });
    expect(describeCase(n)).not.toContain('enrichments');
  });

  it('takes enrichments of any JSON shape, and values with numbers or null', () => {
    for (const enrichments of [null, 'text', 42, [1, 2], { nested: { a: [true, null] } }]) {
      const payload = body('12.3');
      payload.alerts[0]!.enrichments = enrichments;
      payload.alerts[0]!.values = { B: 187.5, C: null };
      const n = parsed(payload);
      expect(n.alerts[0]!.values).toBe('B=187.5, C=null');
    }
  });

  it('passes fields a later release may add, and keeps the bounds', () => {
    const payload = body('12.4');
    payload.alerts[0]!.somethingNew = { a: 1 };
    payload.anotherNewField = 'x';
    expect(parsed(payload).alerts).toHaveLength(1);
    payload.alerts[0]!.ruleUID = 'u'.repeat(256);
    payload.appVersion = 'v'.repeat(101);
    const r = parseNotification('grafana', payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(['alerts.0.ruleUID', 'appVersion']);
  });

  it("refuses a custom payload template's body, naming what the default body has", () => {
    // grafana/alerting receivers/webhook/v1/webhook_test.go, TestNotify_CustomPayload "variables and extra fields".
    const vars = parseNotification('grafana', { var1: 'val1', var2: 'val2' });
    expect(vars.ok).toBe(false);
    if (vars.ok) return;
    const hint = "Grafana's default webhook body (leave the contact point's custom payload template empty)";
    expect(vars.issues).toEqual(
      expect.arrayContaining([
        { path: 'groupKey', message: `is required: "groupKey" is part of ${hint}` },
        { path: 'status', message: `is required: "status" is part of ${hint}` },
        { path: 'alerts', message: `is required: "alerts" is part of ${hint}` },
      ]),
    );
    // The same test's "Alertmanager-like payload": a JSON array.
    const list = parseNotification('grafana', [{ labels: { alertname: 'alert1' }, startsAt: '2025-01-01T00:00:00Z' }]);
    expect(list).toEqual({ ok: false, issues: [{ path: '', message: `must be ${hint}: a JSON object` }] });
  });
});
