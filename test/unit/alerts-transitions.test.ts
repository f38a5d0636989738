import { describe, expect, it } from 'vitest';
import type { IncidentState } from '../../src/alerts/incident-state.js';
import { incidentStateSchema } from '../../src/alerts/incident-state.js';
import type { Notification } from '../../src/alerts/notification.js';
import { resolvePolicy, type Policy } from '../../src/alerts/policy.js';
import { alertsRoutingSchema } from '../../src/alerts/routing-schema.js';
import { parseNotification } from '../../src/alerts/sources/index.js';
import { onCreateOutcome, onHoldExpired, onNotification, onSettle, type Decision, type PlannedItem } from '../../src/alerts/transitions.js';
import { writeRequestSchema, type WriteRequest } from '../../src/writes/catalog.js';
import { alertmanagerGroup, fixture } from '../fixtures/alerts/payloads.js';

const KEY = 'alertmanager:{}/{team="network"}:{circuit_id="CIR-7"}';
const T0 = Date.parse('2025-03-04T10:00:00Z');

function policy(settings: Record<string, unknown> = {}): Policy {
  const routing = alertsRoutingSchema.parse({ rules: [{ name: 'net', service: 'SRV-40000001', ...settings }] });
  const res = resolvePolicy(routing, group([['CircuitDown', 'fp1']]));
  if (!('policy' in res)) throw new Error('no policy');
  return res.policy;
}

type Spec = [name: string, fingerprint: string, status?: 'firing' | 'resolved'];

function group(alerts: Spec[], circuit = 'CIR-7'): Notification {
  const r = parseNotification('alertmanager', alertmanagerGroup(circuit, alerts.map(([name, fingerprint, status]) => ({ name, fingerprint, status }))));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.notification;
}

/** Plays notifications in order (one second apart unless given times), keeping every decision. */
class Incident {
  state: IncidentState | undefined;
  readonly log: Decision[] = [];
  constructor(readonly p: Policy) {}

  notify(n: Notification, at: number): Decision {
    return this.keep(onNotification(this.state, n, KEY, this.p, at));
  }

  keep(d: Decision): Decision {
    this.log.push(d);
    if (d.changed) {
      // What goes to Redis must read back as the same state.
      this.state = incidentStateSchema.parse(JSON.parse(JSON.stringify(d.state)));
    }
    return d;
  }
}

function writes(d: Decision): WriteRequest[] {
  return d.items.flatMap((i: PlannedItem) => (i.kind === 'write' ? [writeRequestSchema.parse(i.write)] : []));
}

describe('incident state machine', () => {
  it('opens one case for the first firing notification, with the alerts in it', () => {
    const inc = new Incident(policy());
    const d = inc.notify(group([['CircuitDown', 'fp1']]), T0);
    const [create, ...rest] = writes(d);
    expect(rest).toEqual([]);
    if (create?.kind !== 'create') throw new Error('expected a create');
    expect(create.key).toMatch(/^alert:[0-9a-f]{24}:e1:create$/);
    expect(create.origin).toMatchObject({ kind: 'alert', ref: KEY });
    expect(create.body).toMatchObject({
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P1',
      serviceId: 'SRV-40000001',
      customerReference: KEY,
      startOfIncident: '2025-03-04T08:52:26.739Z',
    });
    expect(create.body.description).toContain('CircuitDown on circuit CIR-7');
    expect(create.body.description).toContain('CircuitDown [fp1]');
    expect(create.body.description).toContain('http://prometheus.example.net:9090/graph');
    expect(create.body.description).toContain('runbook_url: https://runbooks.example.net/circuit-down');
    expect(create.links).toEqual([{ id: `alert:${KEY}`, kind: 'alert', data: { incident: KEY, episode: 1, rule: 'net' } }]);
    expect(inc.state).toMatchObject({ phase: 'open', episode: 1, createKey: create.key });
  });

  it('writes nothing for a repeat with no change, and one message per change', () => {
    const inc = new Incident(policy());
    inc.notify(group([['CircuitDown', 'fp1']]), T0);
    const repeat = inc.notify(group([['CircuitDown', 'fp1']]), T0 + 60_000);
    expect(repeat.changed).toBe(false);
    expect(repeat.items).toEqual([]);

    const added = writes(inc.notify(group([['CircuitDown', 'fp1'], ['PacketLoss', 'fp2']]), T0 + 120_000));
    expect(added).toHaveLength(1);
    const m = added[0]!;
    if (m.kind !== 'message') throw new Error('expected a message');
    expect(m).toMatchObject({ human: false, author: { name: 'Alertmanager', via: 'alert' }, case: { createKey: inc.state!.createKey } });
    expect(m.text).toContain('Newly firing (1):\n- PacketLoss [fp2]');
    expect(m.text).not.toContain('Resolved (');

    const swapped = writes(inc.notify(group([['PacketLoss', 'fp2'], ['CircuitDown', 'fp1', 'resolved']]), T0 + 180_000));
    expect(swapped).toHaveLength(1);
    expect((swapped[0] as { text: string }).text).toMatch(/Resolved \(1\):\n- CircuitDown \[fp1\] at 2025-03-04 10:30:00 UTC/);
    expect((swapped[0] as { text: string }).text).toContain('Firing now: 1 alert.');
    expect(new Set([...inc.log.flatMap(writes)].map((w) => w.key)).size).toBe(3);
  });

  it('treats an alert missing from a complete snapshot as resolved, but not from a truncated one', () => {
    const inc = new Incident(policy());
    inc.notify(group([['A', 'fp1'], ['B', 'fp2']]), T0);
    const truncated = { ...group([['A', 'fp1']]), truncated: 1 };
    expect(writes(inc.notify(truncated, T0 + 1000))).toEqual([]);
    const complete = writes(inc.notify(group([['A', 'fp1']]), T0 + 2000));
    expect((complete[0] as { text: string }).text).toContain('Resolved (1):\n- B [fp2]');
  });

  it('on resolve posts a message and, when configured, a status update', () => {
    const inc = new Incident(policy({ resolve: { status: 'Resolved' } }));
    inc.notify(group([['CircuitDown', 'fp1']]), T0);
    const w = writes(inc.notify(group([['CircuitDown', 'fp1', 'resolved']]), T0 + 60_000));
    expect(w.map((x) => x.kind)).toEqual(['message', 'update']);
    expect((w[0] as { text: string }).text).toContain('have resolved');
    expect(w[1]).toMatchObject({ kind: 'update', fields: { status: 'Resolved' } });
    expect(inc.state).toMatchObject({ phase: 'resolved', resolvedAt: T0 + 60_000 });

    const quiet = new Incident(policy({ resolve: { message: false } }));
    quiet.notify(group([['CircuitDown', 'fp1']]), T0);
    expect(writes(quiet.notify(group([['CircuitDown', 'fp1', 'resolved']]), T0 + 60_000))).toEqual([]);
  });

  it('reopens on the same case within the window and opens a new case after it', () => {
    const inc = new Incident(policy({ reopen: { windowSeconds: 600, status: 'In Progress' }, resolve: { status: 'Resolved' } }));
    inc.notify(group([['CircuitDown', 'fp1']]), T0);
    inc.notify(group([['CircuitDown', 'fp1', 'resolved']]), T0 + 60_000);
    const inside = writes(inc.notify(group([['CircuitDown', 'fp1']]), T0 + 300_000));
    expect(inside.map((w) => w.kind)).toEqual(['message', 'update']);
    expect((inside[0] as { text: string }).text).toContain('firing again, 4 min after it resolved');
    expect(inside[1]).toMatchObject({ fields: { status: 'In Progress' } });
    expect(inc.state).toMatchObject({ phase: 'open', episode: 1 });

    inc.notify(group([['CircuitDown', 'fp1', 'resolved']]), T0 + 400_000);
    const after = writes(inc.notify(group([['CircuitDown', 'fp1']]), T0 + 400_000 + 601_000));
    expect(after).toHaveLength(1);
    const create = after[0]!;
    if (create.kind !== 'create') throw new Error('expected a new case');
    expect(create.key).toMatch(/:e2:create$/);
    expect(create.body.customerReference).toBe(`${KEY} #2`);
    expect(inc.state).toMatchObject({ phase: 'open', episode: 2 });
  });

  it('holds the case back until the hold-down passes, and not at all for a blip', () => {
    const inc = new Incident(policy({ holdDownSeconds: 120 }));
    const first = inc.notify(group([['CircuitDown', 'fp1']]), T0);
    expect(writes(first)).toEqual([]);
    expect(first.items).toEqual([
      { kind: 'timer', order: 1, timer: { name: 'hold', jobId: `hold-${inc.state!.hash}-1`, runAt: T0 + 120_000, data: { hash: inc.state!.hash, seq: 1 } } },
    ]);
    // A blip: resolved within the hold-down; the timer then finds nothing to do.
    inc.notify(group([['CircuitDown', 'fp1', 'resolved']]), T0 + 30_000);
    expect(inc.keep(onHoldExpired(inc.state, 1, T0 + 120_000)).changed).toBe(false);
    expect(inc.log.flatMap(writes)).toEqual([]);

    // Fires again, a new hold-down; a second alert joins while it runs; the case opens with both.
    inc.notify(group([['CircuitDown', 'fp1']]), T0 + 200_000);
    inc.notify(group([['CircuitDown', 'fp1'], ['PacketLoss', 'fp2']]), T0 + 250_000);
    expect(inc.keep(onHoldExpired(inc.state, 1, T0 + 320_000)).changed).toBe(false); // the stale timer
    const opened = writes(inc.keep(onHoldExpired(inc.state, 2, T0 + 320_000)));
    expect(opened).toHaveLength(1);
    expect((opened[0] as { body: { description: string } }).body.description).toMatch(/Firing alerts \(2\)/);
  });

  it('damps flapping: beyond K toggles in the window, one summary once quiet', () => {
    const inc = new Incident(policy({ flap: { maxToggles: 3, windowSeconds: 600, quietSeconds: 120 }, reopen: { windowSeconds: 3600 } }));
    let t = T0;
    inc.notify(group([['CircuitDown', 'fp1']]), t); // create
    const posted: string[] = [];
    for (let i = 0; i < 10; i++) {
      t += 10_000;
      const d = inc.notify(group([['CircuitDown', 'fp1', i % 2 === 0 ? 'resolved' : 'firing']]), t);
      posted.push(...writes(d).map((w) => (w.kind === 'message' ? w.text.split('\n')[0]! : w.kind)));
    }
    // Toggles 1..3 were posted (the first firing opened the case, then a resolve and a reopen);
    // from the 4th on, nothing: 8 toggles held back.
    expect(posted).toEqual(['All alerts of incident alertmanager:{}/{team="network"}:{circuit_id="CIR-7"} have resolved.', expect.stringContaining('firing again')]);
    expect(inc.state!.damped).toMatchObject({ toggles: 8 });
    const settle = inc.log.flatMap((d) => d.items).find((i) => i.kind === 'timer');
    expect(settle).toMatchObject({ timer: { name: 'settle', runAt: T0 + 30_000 + 120_000 } });

    const early = inc.keep(onSettle(inc.state, 1, T0 + 30_000 + 120_000));
    expect(early.changed).toBe(false);
    expect(early.retryAt).toBe(t + 120_000);
    const summary = writes(inc.keep(onSettle(inc.state, 1, t + 120_000)));
    expect(summary).toHaveLength(1);
    const text = (summary[0] as { text: string }).text;
    expect(text).toContain('was flapping: 8 changes between firing and resolved');
    expect(text).toContain('Now: firing.');
    expect(text).toContain('CircuitDown [fp1]');
    expect(inc.state).toMatchObject({ phase: 'open', toggles: [] });
    expect(inc.state!.damped).toBeUndefined();
    // Settled: the next change is posted again.
    expect(writes(inc.notify(group([['CircuitDown', 'fp1'], ['B', 'fp9']]), t + 130_000))).toHaveLength(1);
  });

  it('a flap that settles resolved applies the resolve status once', () => {
    const inc = new Incident(policy({ flap: { maxToggles: 1, windowSeconds: 600, quietSeconds: 60 }, resolve: { status: 'Resolved' } }));
    inc.notify(group([['A', 'fp1']]), T0);
    // Opening was toggle 1; the resolve is toggle 2, past the limit: held back with what follows.
    expect(writes(inc.notify(group([['A', 'fp1', 'resolved']]), T0 + 1000))).toEqual([]);
    inc.notify(group([['A', 'fp1']]), T0 + 2000);
    inc.notify(group([['A', 'fp1', 'resolved']]), T0 + 3000);
    const w = writes(inc.keep(onSettle(inc.state, 1, T0 + 63_000)));
    expect(w.map((x) => x.kind)).toEqual(['message', 'update']);
    expect((w[0] as { text: string }).text).toContain('Now: resolved.');
    expect(inc.state).toMatchObject({ phase: 'resolved', resolvedAt: T0 + 3000 });
  });

  it('remembers the case id, and after a failed create lets the next notification try again', () => {
    const inc = new Incident(policy());
    inc.notify(group([['A', 'fp1']]), T0);
    const createKey = inc.state!.createKey!;
    inc.keep(onCreateOutcome(inc.state, { type: 'done', key: createKey, caseId: 'CS-1' }));
    const m = writes(inc.notify(group([['A', 'fp1'], ['B', 'fp2']]), T0 + 1000));
    expect(m[0]).toMatchObject({ case: { caseId: 'CS-1' } });
    expect(inc.keep(onCreateOutcome(inc.state, { type: 'done', key: 'other', caseId: 'CS-2' })).changed).toBe(false);

    const failing = new Incident(policy());
    failing.notify(group([['A', 'fp1']]), T0);
    failing.keep(onCreateOutcome(failing.state, { type: 'failed', key: failing.state!.createKey! }));
    const retry = writes(failing.notify(group([['A', 'fp1']]), T0 + 60_000));
    expect(retry.map((w) => w.key)).toEqual([expect.stringMatching(/:e2:create$/)]);
  });

  it('ignores a resolve for an incident it never saw', () => {
    const d = onNotification(undefined, group([['A', 'fp1', 'resolved']]), KEY, policy(), T0);
    expect(d.changed).toBe(false);
  });

  it('keeps per-source alerts apart when sources are correlated into one incident', () => {
    const inc = new Incident(policy());
    inc.notify(group([['CircuitDown', 'fp1']]), T0);
    const ev = parseNotification('events', fixture('events-trigger.json'));
    if (!ev.ok) throw new Error('parse');
    expect(writes(inc.notify(ev.notification, T0 + 1000))).toHaveLength(1);
    // The Alertmanager snapshot does not list the Events alert: it must not resolve it.
    expect(writes(inc.notify(group([['CircuitDown', 'fp1']]), T0 + 2000))).toEqual([]);
    const res = parseNotification('events', fixture('events-resolve.json'));
    if (!res.ok) throw new Error('parse');
    const w = writes(inc.notify(res.notification, T0 + 3000));
    expect((w[0] as { text: string }).text).toContain('Resolved (1):\n- Circuit CIR-3003 unreachable from probe ams-probe-01 [probe/cir-3003/icmp]');
  });

  it('cuts long texts with a note', () => {
    const p = policy({ maxTextChars: 600 });
    const many = group(Array.from({ length: 40 }, (_, i): Spec => [`Alert${i}`, `fp${i}`]));
    const create = writes(onNotification(undefined, many, KEY, p, T0))[0] as { body: { description: string } };
    expect(create.body.description.length).toBeLessThanOrEqual(600);
    expect(create.body.description).toMatch(/\[… truncated: \d+ more characters not shown\]$/);
  });
});
