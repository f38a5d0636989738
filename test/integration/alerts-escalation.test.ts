import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentHash } from '../../src/alerts/incident-key.js';
import { ALERTS_QUEUE } from '../../src/alerts/timer-queue.js';
import { Queue } from 'bullmq';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { alertsRouting, circuitIncident, createKeyOf, createsWithReference, messagesOf, postAndHandle, writesFor } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup, fixture } from '../fixtures/alerts/payloads.js';
import { AlertProcessor } from '../../src/alerts/processor.js';
import { parseNotification } from '../../src/alerts/sources/index.js';
import { IncidentStore } from '../../src/alerts/incident-store.js';
import { createLogger } from '../../src/log.js';
import { closeRedis } from '../../src/redis.js';
import { openRedis } from '../helpers/redis.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ routing: { alerts: alertsRouting } });
});
afterAll(async () => bridge?.close());

const caseOf = (incident: string, episode = 1) => eventually(() => bridge.core.outbox.caseIdForKey(createKeyOf(incident, episode)));
const doneWrite = (key: string) => eventually(async () => (await bridge.core.outbox.entry(key))?.status === 'done');
const lastMessageKey = async (incident: string) => {
  const raw = await bridge.core.redis.hget(`${bridge.prefix}:alerts:inc:${incidentHash(incident)}`, 's');
  const s = JSON.parse(raw!) as { hash: string; episode: number; seq: number };
  return `alert:${s.hash}:e${s.episode}:m${s.seq}`;
};

describe('alert → case escalation (Alertmanager v4)', () => {
  it('opens one case with the alerts, and nothing for an HA duplicate or an unchanged repeat', async () => {
    const payload = fixture('alertmanager-firing.json');
    // An HA Alertmanager pair delivers the same group within milliseconds.
    const [a, b] = await Promise.all([postAndHandle(bridge, 'alertmanager', payload), postAndHandle(bridge, 'alertmanager', payload)]);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect([a.json().status, b.json().status].sort()).toEqual(['accepted', 'unchanged']);

    const incident = circuitIncident('CIR-1001');
    const caseId = await caseOf(incident);
    const kase = await bridge.core.expereo.getCase(caseId);
    expect(kase).toMatchObject({
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P1',
      serviceId: 'SRV-40000001',
      customerReference: incident,
      startOfIncident: '2025-03-04T08:52:26.739Z',
    });
    expect(kase.description).toContain('Circuit CIR-1001 is down at Amsterdam');
    expect(kase.description).toContain('CircuitDown [1a30ba71cca2921f]');
    expect(kase.description).toContain('labels: alertname=CircuitDown, circuit_id=CIR-1001');
    expect(kase.description).toContain('startsAt: 2025-03-04T08:52:26.739Z');
    expect(kase.description).toContain('source: http://prometheus.example.net:9090/graph');
    expect(await bridge.core.sync.caseForLink(`alert:${incident}`)).toBe(caseId);

    const repeat = await postAndHandle(bridge, 'alertmanager', payload);
    expect(repeat.json()).toMatchObject({ status: 'unchanged', writes: 0 });

    // A new alert in the group: one message. Every write of this case goes through one ordered
    // line, so once it is done, anything the repeat had queued would have been sent before it.
    const grown = fixture<{ alerts: unknown[] }>('alertmanager-firing.json');
    grown.alerts.push(fixture('alertmanager-second-alert.json'));
    const added = await postAndHandle(bridge, 'alertmanager', grown);
    expect(added.json()).toMatchObject({ status: 'accepted', writes: 1 });
    await doneWrite(await lastMessageKey(incident));

    expect(await createsWithReference(bridge, incident)).toHaveLength(1);
    const writes = await writesFor(bridge, caseId);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`POST /v2/cases/${caseId}/case-messages`]);
    const message = (writes[0]!.body as { message: string }).message;
    expect(message).toContain('Alertmanager (alert): Alert update');
    expect(message).toContain('Newly firing (1):\n- CircuitPacketLoss [c6eadffa33fcdf37]');
  });

  it('on resolve posts a message and sets the configured status; fires again → same case', async () => {
    const incident = circuitIncident('CIR-1100');
    await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-1100', [{ name: 'CircuitDown', fingerprint: 'aa01' }]));
    const caseId = await caseOf(incident);

    const resolved = await postAndHandle(
      bridge,
      'alertmanager',
      alertmanagerGroup('CIR-1100', [{ name: 'CircuitDown', fingerprint: 'aa01', status: 'resolved' }]),
    );
    expect(resolved.json()).toMatchObject({ status: 'accepted', writes: 2 });
    await eventually(async () => (await bridge.core.expereo.getCase(caseId)).status === 'Resolved');

    // It fires again: a new instance of the alert, starting after the last one ended.
    const again = await postAndHandle(
      bridge,
      'alertmanager',
      alertmanagerGroup('CIR-1100', [{ name: 'CircuitDown', fingerprint: 'aa01', startsAt: '2025-03-04T10:40:00Z' }]),
    );
    expect(again.json()).toMatchObject({ status: 'accepted', writes: 1 });
    await doneWrite(await lastMessageKey(incident));
    const texts = await messagesOf(bridge, caseId);
    expect(texts.some((t) => t.includes('have resolved') && t.includes('CircuitDown [aa01] at 2025-03-04 10:30:00 UTC'))).toBe(true);
    expect(texts.some((t) => t.includes(`Incident ${incident} is firing again`))).toBe(true);
    expect(await createsWithReference(bridge, incident)).toHaveLength(1);
  });

  it('a late copy from an HA peer changes nothing, also for a bridge started afresh on the same Redis', async () => {
    const incident = circuitIncident('CIR-1150');
    const firing = alertmanagerGroup('CIR-1150', [{ name: 'CircuitDown', fingerprint: 'ab50', startsAt: '2025-03-04T10:00:00Z' }]);
    const resolved = alertmanagerGroup('CIR-1150', [
      { name: 'CircuitDown', fingerprint: 'ab50', status: 'resolved', startsAt: '2025-03-04T10:00:00Z', endsAt: '2025-03-04T10:00:05Z' },
    ]);
    await postAndHandle(bridge, 'alertmanager', firing);
    const caseId = await caseOf(incident);
    expect((await postAndHandle(bridge, 'alertmanager', resolved)).json()).toMatchObject({ status: 'accepted', writes: 2 });
    // The second peer's copy of the state it took before the resolve, then its own resolve.
    expect((await postAndHandle(bridge, 'alertmanager', firing)).json()).toEqual({ status: 'unchanged', incident, writes: 0, staleCopies: 1 });
    expect((await postAndHandle(bridge, 'alertmanager', resolved)).json()).toEqual({ status: 'unchanged', incident, writes: 0, staleCopies: 1 });

    // What a restarted process knows is what Redis holds: a processor of its own, on a connection of its own.
    const redis = await openRedis('restarted');
    try {
      const restarted = new AlertProcessor({
        routing: bridge.config.routing.alerts,
        store: new IncidentStore(redis, bridge.core.keys.prefix),
        producer: bridge.core.producer,
        schedule: async () => undefined,
        slack: undefined,
        log: createLogger('silent'),
      });
      const parsed = parseNotification('alertmanager', firing);
      if (!parsed.ok) throw new Error('parse');
      expect(await restarted.notify(parsed.notification)).toEqual({ status: 'unchanged', incident, writes: 0, staleCopies: 1 });
    } finally {
      await closeRedis(redis);
    }
    const written = await eventually(async () => {
      const w = await writesFor(bridge, caseId);
      return w.length >= 2 ? w : undefined;
    });
    expect(written.map((w) => w.method)).toEqual(['POST', 'PATCH']);
  });

  it('opens a new case when it fires again after the reopen window', async () => {
    const incident = circuitIncident('CIR-R1');
    const firing = alertmanagerGroup('CIR-R1', [{ name: 'CircuitDown', fingerprint: 'bb01' }]);
    await postAndHandle(bridge, 'alertmanager', firing);
    const first = await caseOf(incident);
    await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-R1', [{ name: 'CircuitDown', fingerprint: 'bb01', status: 'resolved' }]));
    await new Promise((r) => setTimeout(r, 1100)); // the rule's reopen window is 1 s
    const refire = await postAndHandle(
      bridge,
      'alertmanager',
      alertmanagerGroup('CIR-R1', [{ name: 'CircuitDown', fingerprint: 'bb01', startsAt: '2025-03-04T10:40:00Z' }]),
    );
    expect(refire.json()).toMatchObject({ status: 'accepted', writes: 1 });
    const second = await caseOf(incident, 2);
    expect(second).not.toBe(first);
    expect((await bridge.core.expereo.getCase(second)).customerReference).toBe(`${incident} #2`);
  });

  it('damps a flapping group into one summary', async () => {
    const incident = circuitIncident('CIR-1200');
    // Each fire a new instance of the alert (a minute apart in the source's clock), each resolve its end.
    const minute = (i: number) => new Date(Date.parse('2025-03-04T11:00:00Z') + i * 60_000).toISOString();
    const up = (i: number) => alertmanagerGroup('CIR-1200', [{ name: 'CircuitDown', fingerprint: 'cc01', startsAt: minute(i) }]);
    const down = (i: number) =>
      alertmanagerGroup('CIR-1200', [{ name: 'CircuitDown', fingerprint: 'cc01', status: 'resolved', startsAt: minute(i - 1), endsAt: minute(i) }]);
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push((await postAndHandle(bridge, 'alertmanager', i % 2 === 0 ? up(i) : down(i))).json() as { writes: number });
    // Toggles 1-3 are posted (create + resolve message and status + reopen message); the rest wait.
    expect(answers.map((a) => a.writes)).toEqual([1, 2, 1, 0, 0, 0, 0, 0, 0]);
    const caseId = await caseOf(incident);
    const texts = await eventually(async () => {
      const all = await messagesOf(bridge, caseId);
      return all.some((t) => t.includes('was flapping')) ? all : undefined;
    });
    const summary = texts.find((t) => t.includes('was flapping'))!;
    expect(summary).toContain('6 changes between firing and resolved');
    expect(summary).toContain('Now: firing.');
    // The case's own first message (its description), resolved, firing again, the summary.
    expect(texts).toHaveLength(4);
  });

  it('holds a case back for the hold-down, and opens none for a blip', async () => {
    const held = circuitIncident('CIR-H1');
    const blip = circuitIncident('CIR-H2');
    const first = await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-H2', [{ name: 'CircuitDown', fingerprint: 'dd02' }]));
    expect(first.json()).toMatchObject({ status: 'accepted', writes: 0 });
    await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-H2', [{ name: 'CircuitDown', fingerprint: 'dd02', status: 'resolved' }]));
    const heldBack = await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-H1', [{ name: 'CircuitDown', fingerprint: 'dd01' }]));
    expect(heldBack.json()).toMatchObject({ status: 'accepted', incident: held, writes: 0 });

    await caseOf(held);
    // The blip's timer has run too (it was due first) and found nothing firing.
    const queue = new Queue(ALERTS_QUEUE, { connection: bridge.core.redis, prefix: bridge.core.keys.queuePrefix });
    try {
      await eventually(async () => (await queue.getJob(`hold-${incidentHash(blip)}-1`)) === undefined);
    } finally {
      await queue.close();
    }
    expect(await bridge.core.outbox.entry(createKeyOf(blip))).toBeUndefined();
    expect(await createsWithReference(bridge, blip)).toEqual([]);
  });
});

describe('alert → case escalation (Grafana, Events API, correlation)', () => {
  it('opens a case from a Grafana notification with its values and links', async () => {
    const res = await postAndHandle(bridge, 'grafana', fixture('grafana-firing.json'));
    expect(res.statusCode).toBe(202);
    const caseId = await caseOf(circuitIncident('CIR-2002'));
    const kase = await bridge.core.expereo.getCase(caseId);
    expect(kase).toMatchObject({ subject: 'ServiceDegradation', priority: 'P3', serviceId: 'SRV-40000003', siteId: 'SITE-100101' });
    expect(kase.description).toContain('[FIRING:1] WAN latency high');
    expect(kase.description).toContain("values: [ var='B' labels={circuit_id=CIR-2002} value=187.5 ]");
    expect(kase.description).toContain('dashboard: https://grafana.example.net/d/wan-overview?orgId=1');
  });

  it('folds an Events API alert and an Alertmanager group about one circuit into one case', async () => {
    const incident = circuitIncident('CIR-3003');
    const trigger = await postAndHandle(bridge, 'events', fixture('events-trigger.json'));
    expect(trigger.json()).toMatchObject({ status: 'accepted', incident, writes: 1 });
    const caseId = await caseOf(incident);
    expect(await bridge.core.expereo.getCase(caseId)).toMatchObject({ subject: 'ServiceDown', priority: 'P1', serviceId: 'SRV-40000002' });

    const ack = await postAndHandle(bridge, 'events', fixture('events-acknowledge.json'));
    expect(ack.json()).toMatchObject({ status: 'unchanged', writes: 0 });
    const am = await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-3003', [{ name: 'CircuitDown', fingerprint: 'ee01' }]));
    expect(am.json()).toMatchObject({ status: 'accepted', incident, writes: 1 });
    // The resolve carries no labels: it finds its incident through the trigger's correlation.
    const resolve = await postAndHandle(bridge, 'events', fixture('events-resolve.json'));
    expect(resolve.json()).toMatchObject({ status: 'accepted', incident, writes: 1 });
    await doneWrite(await lastMessageKey(incident));

    expect(await createsWithReference(bridge, incident)).toHaveLength(1);
    const texts = await messagesOf(bridge, caseId);
    expect(texts.some((t) => t.includes('Newly firing (1):\n- CircuitDown [ee01]'))).toBe(true);
    expect(texts.some((t) => t.includes('Resolved (1):\n- Circuit CIR-3003 unreachable from probe ams-probe-01 [probe/cir-3003/icmp]'))).toBe(true);
  });
});
