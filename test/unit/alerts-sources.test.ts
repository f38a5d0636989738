import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../src/alerts/sources/index.js';
import { alertmanagerGroup, fixture } from '../fixtures/alerts/payloads.js';
import { realPayload } from '../helpers/real-payloads.js';

describe('alert sources → one notification shape', () => {
  it('reads an Alertmanager v4 group notification', () => {
    const r = parseNotification('alertmanager', fixture('alertmanager-firing.json'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const n = r.notification;
    expect(n).toMatchObject({
      source: 'alertmanager',
      groupKey: '{}/{team="network"}:{circuit_id="CIR-1001"}',
      mode: 'snapshot',
      status: 'firing',
      truncated: 0,
      author: 'Alertmanager',
      externalURL: 'http://alertmanager.example.net:9093',
      receiver: 'expereo-bridge',
    });
    expect(n.labels).toMatchObject({ circuit_id: 'CIR-1001', severity: 'critical', team: 'network' });
    expect(n.alerts).toHaveLength(1);
    expect(n.alerts[0]).toMatchObject({
      fingerprint: '1a30ba71cca2921f',
      name: 'CircuitDown',
      status: 'firing',
      startsAt: '2025-03-04T08:52:26.739Z',
      generatorURL: expect.stringContaining('prometheus.example.net'),
    });
    expect(n.alerts[0]!.endsAt).toBeUndefined(); // Go's zero time means "not ended"
    expect(n.alerts[0]!.annotations.summary).toBe('Circuit CIR-1001 is down at Amsterdam');
  });

  it("reads Alertmanager 0.32's notification_reason and 0.34's routeLabels (the real-payload corpus)", () => {
    const v032 = parseNotification('alertmanager', realPayload('am-02').body);
    if (!v032.ok) throw new Error(JSON.stringify(v032.issues));
    expect(v032.notification.reason).toBe('first notification');
    const v034 = parseNotification('alertmanager', realPayload('am-03').body);
    if (!v034.ok) throw new Error(JSON.stringify(v034.issues));
    expect(v034.notification.reason).toBe('some alerts resolved');
    // Route labels are matched under the common labels, which win where both name a label.
    expect(v034.notification.labels).toMatchObject({
      reason: 'DiskRunningFull',
      description: 'DiskRunningFull firing (DiskRunningFull)',
      alertname: 'DiskRunningFull',
    });
    const test = parseNotification('alertmanager', realPayload('am-01').body);
    expect(test.ok && test.notification.reason).toBe('unknown');
  });

  it('derives a fingerprint from the labels when an older Alertmanager sends none', () => {
    const payload = alertmanagerGroup('CIR-9', [{ name: 'A', fingerprint: 'x' }]) as unknown as { alerts: Record<string, unknown>[] };
    delete payload.alerts[0]!.fingerprint;
    const a = parseNotification('alertmanager', payload);
    const b = parseNotification('alertmanager', structuredClone(payload));
    if (!a.ok || !b.ok) throw new Error('parse failed');
    expect(a.notification.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a.notification.alerts[0]!.fingerprint).toBe(b.notification.alerts[0]!.fingerprint);
  });

  it('refuses what is not an Alertmanager v4 payload, naming the fields', () => {
    const body = { ...fixture('alertmanager-firing.json'), version: '3', alerts: [{ status: 'burning' }] };
    const r = parseNotification('alertmanager', body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('version');
    expect(paths).toContain('alerts.0.status');
    expect(paths).toContain('alerts.0.labels');
  });

  it('reads a Grafana alerting notification with its values and links', () => {
    const r = parseNotification('grafana', fixture('grafana-firing.json'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const n = r.notification;
    expect(n).toMatchObject({ source: 'grafana', author: 'Grafana', title: '[FIRING:1] WAN latency high Network (CIR-2002 warning network)' });
    const a = n.alerts[0]!;
    expect(a).toMatchObject({ name: 'WAN latency high', fingerprint: 'bc97ff14869b13e3' });
    expect(a.values).toContain("var='B'");
    expect(a.links.map((l) => l.title)).toEqual(['dashboard', 'panel', 'silence']);
  });

  it('formats Grafana values when there is no valueString', () => {
    const body = fixture<{ alerts: Record<string, unknown>[] }>('grafana-firing.json');
    delete body.alerts[0]!.valueString;
    const r = parseNotification('grafana', body);
    if (!r.ok) throw new Error('parse failed');
    expect(r.notification.alerts[0]!.values).toBe('B=187.5, C=1');
  });

  it('reads Events API v2 trigger, acknowledge and resolve for the same dedup_key', () => {
    const t = parseNotification('events', fixture('events-trigger.json'));
    const ack = parseNotification('events', fixture('events-acknowledge.json'));
    const res = parseNotification('events', fixture('events-resolve.json'));
    if (!t.ok || !ack.ok || !res.ok) throw new Error('parse failed');
    expect(t.notification).toMatchObject({ source: 'events', mode: 'delta', status: 'firing', groupKey: 'probe/cir-3003/icmp', author: 'Uptime Monitor' });
    expect(t.notification.labels).toMatchObject({ severity: 'critical', source: 'ams-probe-01.example.net', circuit_id: 'CIR-3003', last_rtt_ms: '0' });
    expect(t.notification.alerts[0]!.annotations.probe).toContain('ams-probe-01');
    expect(t.notification.alerts[0]!.fingerprint).toBe('probe/cir-3003/icmp');
    expect(t.notification.alerts[0]!.links.map((l) => l.title)).toEqual(['Check history', 'Uptime Monitor']);
    expect(ack.notification.status).toBe('acknowledged');
    expect(ack.notification.alerts).toEqual([]);
    expect(res.notification.status).toBe('resolved');
    expect(res.notification.alerts[0]!.id).toBe(t.notification.alerts[0]!.id);
  });

  it('gives a trigger without dedup_key a stable key, and requires one for resolve', () => {
    const body = fixture<Record<string, unknown>>('events-trigger.json');
    delete body.dedup_key;
    const a = parseNotification('events', body);
    const b = parseNotification('events', structuredClone(body));
    if (!a.ok || !b.ok) throw new Error('parse failed');
    expect(a.notification.groupKey).toMatch(/^auto-/);
    expect(a.notification.groupKey).toBe(b.notification.groupKey);
    const resolve = parseNotification('events', { routing_key: 'x', event_action: 'resolve' });
    expect(resolve.ok).toBe(false);
    if (!resolve.ok) expect(resolve.issues).toContainEqual({ path: 'dedup_key', message: 'is required for resolve' });
    const trigger = parseNotification('events', { routing_key: 'x', event_action: 'trigger', dedup_key: 'k' });
    expect(trigger.ok).toBe(false);
  });
});
