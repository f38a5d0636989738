import { describe, expect, it } from 'vitest';
import type { IncidentState } from '../../src/alerts/incident-state.js';
import { MAX_ALERTS } from '../../src/alerts/alert-set.js';
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

/** An alert: firing unless said otherwise; an instance that fires anew starts after its last end. */
type Spec = [name: string, fingerprint: string, status?: 'firing' | 'resolved', startsAt?: string, endsAt?: string];

function group(alerts: Spec[], circuit = 'CIR-7'): Notification {
  const r = parseNotification(
    'alertmanager',
    alertmanagerGroup(
      circuit,
      alerts.map(([name, fingerprint, status, startsAt, endsAt]) => ({ name, fingerprint, status, startsAt, endsAt })),
    ),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.notification;
}

/** One alert going up and down, as a source reports it: each fire is a new instance, each resolve ends the current one. */
class Flapping {
  private startsAt = new Date(T0).toISOString();
  constructor(
    readonly name: string,
    readonly fingerprint: string,
  ) {}

  fire(at: number): Spec {
    this.startsAt = new Date(at).toISOString();
    return this.firing();
  }

  /** The instance firing now, again (a repeat). */
  firing(): Spec {
    return [this.name, this.fingerprint, 'firing', this.startsAt];
  }

  resolve(at: number): Spec {
    return [this.name, this.fingerprint, 'resolved', this.startsAt, new Date(at).toISOString()];
  }
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

    const added = writes(
      inc.notify(
        group([
          ['CircuitDown', 'fp1'],
          ['PacketLoss', 'fp2'],
        ]),
        T0 + 120_000,
      ),
    );
    expect(added).toHaveLength(1);
    const m = added[0]!;
    if (m.kind !== 'message') throw new Error('expected a message');
    expect(m).toMatchObject({ human: false, author: { name: 'Alertmanager', via: 'alert' }, case: { createKey: inc.state!.createKey } });
    expect(m.text).toContain('Newly firing (1):\n- PacketLoss [fp2]');
    expect(m.text).not.toContain('Resolved (');

    const swapped = writes(
      inc.notify(
        group([
          ['PacketLoss', 'fp2'],
          ['CircuitDown', 'fp1', 'resolved'],
        ]),
        T0 + 180_000,
      ),
    );
    expect(swapped).toHaveLength(1);
    expect((swapped[0] as { text: string }).text).toMatch(/Resolved \(1\):\n- CircuitDown \[fp1\] at 2025-03-04 10:30:00 UTC/);
    expect((swapped[0] as { text: string }).text).toContain('Firing now: 1 alert.');
    expect(new Set([...inc.log.flatMap(writes)].map((w) => w.key)).size).toBe(3);
  });

  it('treats an alert missing from a complete snapshot as resolved, but not from a truncated one', () => {
    const inc = new Incident(policy());
    inc.notify(
      group([
        ['A', 'fp1'],
        ['B', 'fp2'],
      ]),
      T0,
    );
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
    const inside = writes(inc.notify(group([['CircuitDown', 'fp1', 'firing', '2025-03-04T10:35:00Z']]), T0 + 300_000));
    expect(inside.map((w) => w.kind)).toEqual(['message', 'update']);
    expect((inside[0] as { text: string }).text).toContain('firing again, 4 min after it resolved');
    expect(inside[1]).toMatchObject({ fields: { status: 'In Progress' } });
    expect(inc.state).toMatchObject({ phase: 'open', episode: 1 });

    inc.notify(group([['CircuitDown', 'fp1', 'resolved', '2025-03-04T10:35:00Z', '2025-03-04T10:40:00Z']]), T0 + 400_000);
    const after = writes(inc.notify(group([['CircuitDown', 'fp1', 'firing', '2025-03-04T10:55:00Z']]), T0 + 400_000 + 601_000));
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
    inc.notify(group([['CircuitDown', 'fp1', 'firing', '2025-03-04T10:31:00Z']]), T0 + 200_000);
    inc.notify(
      group([
        ['CircuitDown', 'fp1', 'firing', '2025-03-04T10:31:00Z'],
        ['PacketLoss', 'fp2'],
      ]),
      T0 + 250_000,
    );
    expect(inc.keep(onHoldExpired(inc.state, 1, T0 + 320_000)).changed).toBe(false); // the stale timer
    const opened = writes(inc.keep(onHoldExpired(inc.state, 2, T0 + 320_000)));
    expect(opened).toHaveLength(1);
    expect((opened[0] as { body: { description: string } }).body.description).toMatch(/Firing alerts \(2\)/);
  });

  it('damps flapping: beyond K toggles in the window, one summary once quiet', () => {
    const inc = new Incident(policy({ flap: { maxToggles: 3, windowSeconds: 600, quietSeconds: 120 }, reopen: { windowSeconds: 3600 } }));
    let t = T0;
    const a = new Flapping('CircuitDown', 'fp1');
    inc.notify(group([a.fire(t)]), t); // create
    const posted: string[] = [];
    for (let i = 0; i < 10; i++) {
      t += 10_000;
      const d = inc.notify(group([i % 2 === 0 ? a.resolve(t) : a.fire(t)]), t);
      posted.push(...writes(d).map((w) => (w.kind === 'message' ? w.text.split('\n')[0]! : w.kind)));
    }
    // Toggles 1..3 were posted (the first firing opened the case, then a resolve and a reopen);
    // from the 4th on, nothing: 8 toggles held back.
    expect(posted).toEqual([
      'All alerts of incident alertmanager:{}/{team="network"}:{circuit_id="CIR-7"} have resolved.',
      expect.stringContaining('firing again'),
    ]);
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
    expect(writes(inc.notify(group([a.firing(), ['B', 'fp9']]), t + 130_000))).toHaveLength(1);
  });

  it('a flap that settles resolved applies the resolve status once', () => {
    const inc = new Incident(policy({ flap: { maxToggles: 1, windowSeconds: 600, quietSeconds: 60 }, resolve: { status: 'Resolved' } }));
    const a = new Flapping('A', 'fp1');
    inc.notify(group([a.fire(T0)]), T0);
    // Opening was toggle 1; the resolve is toggle 2, past the limit: held back with what follows.
    expect(writes(inc.notify(group([a.resolve(T0 + 1000)]), T0 + 1000))).toEqual([]);
    inc.notify(group([a.fire(T0 + 2000)]), T0 + 2000);
    inc.notify(group([a.resolve(T0 + 3000)]), T0 + 3000);
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
    const m = writes(
      inc.notify(
        group([
          ['A', 'fp1'],
          ['B', 'fp2'],
        ]),
        T0 + 1000,
      ),
    );
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

describe('alert instances: late copies from an HA Alertmanager pair', () => {
  const p = () => policy({ reopen: { windowSeconds: 600, status: 'In Progress' }, resolve: { status: 'Resolved' } });
  /** What each notification wrote, by kind and first line: two histories compare equal when the case heard the same. */
  const story = (inc: Incident) =>
    inc.log
      .flatMap(writes)
      .map((w) => (w.kind === 'message' ? `message: ${w.text.split('\n')[0]}` : w.kind === 'update' ? `update: ${JSON.stringify(w.fields)}` : w.kind));

  it('a firing copy of an instance that resolved changes nothing; a genuine re-fire reopens', () => {
    const a = new Flapping('CircuitDown', 'fp1');
    const fire = group([a.fire(T0)]);
    const resolve = group([a.resolve(T0 + 5_000)]);
    const refire = group([a.fire(T0 + 60_000)]);
    const resolveAgain = group([a.resolve(T0 + 90_000)]);

    const single = new Incident(p());
    for (const [n, at] of [
      [fire, T0],
      [resolve, T0 + 5_000],
      [refire, T0 + 60_000],
      [resolveAgain, T0 + 90_000],
    ] as const)
      single.notify(n, at);

    // The pair: the second peer sends the firing state it took before the resolve, 15 s late, and
    // its resolve later still; the same for the second outage.
    const pair = new Incident(p());
    pair.notify(fire, T0);
    pair.notify(resolve, T0 + 5_000);
    const staleFire = pair.notify(fire, T0 + 15_000);
    expect(staleFire).toMatchObject({ changed: false, items: [], stale: 1 });
    const lateResolve = pair.notify(resolve, T0 + 30_000);
    expect(lateResolve).toMatchObject({ changed: false, items: [], stale: 1 });
    pair.notify(refire, T0 + 60_000);
    pair.notify(refire, T0 + 75_000); // a duplicate of the firing instance: a repeat
    pair.notify(resolveAgain, T0 + 90_000);
    expect(pair.notify(refire, T0 + 105_000)).toMatchObject({ changed: false, stale: 1 });
    expect(pair.notify(resolveAgain, T0 + 120_000)).toMatchObject({ changed: false, stale: 1 });

    expect(story(pair)).toEqual(story(single));
    expect(story(single)).toEqual([
      'create',
      expect.stringMatching(/^message: All alerts of incident .* have resolved\.$/),
      'update: {"status":"Resolved"}',
      expect.stringMatching(/^message: Incident .* is firing again, 55 s after it resolved/),
      'update: {"status":"In Progress"}',
      expect.stringMatching(/have resolved\.$/),
      'update: {"status":"Resolved"}',
    ]);
    expect(pair.state).toMatchObject({ phase: 'resolved', episode: 1 });
  });

  it('counts only real transitions toward flap damping', () => {
    const flappy = () => policy({ flap: { maxToggles: 4, windowSeconds: 600, quietSeconds: 60 }, reopen: { windowSeconds: 600 } });
    const a = new Flapping('CircuitDown', 'fp1');
    const history: [Notification, number][] = [];
    let t = T0;
    for (let i = 0; i < 2; i++) {
      history.push([group([a.fire(t)]), t]);
      t += 5_000;
      history.push([group([a.resolve(t)]), t]);
      t += 60_000;
    }
    const single = new Incident(flappy());
    for (const [n, at] of history) single.notify(n, at);
    // The pair: every state again, 15 s late, so that a firing copy comes after each resolve.
    const pair = new Incident(flappy());
    const timeline = [...history, ...history.map(([n, at]): [Notification, number] => [n, at + 15_000])].sort((a, b) => a[1] - b[1]);
    for (const [n, at] of timeline) pair.notify(n, at);
    expect(pair.state!.toggles).toEqual(single.state!.toggles);
    expect(pair.state!.toggles).toHaveLength(4);
    expect(pair.state!.damped).toBeUndefined();
    expect(story(pair)).toEqual(story(single));
  });

  it('leaves a newer instance alone: an old instance’s copies neither fire nor resolve it', () => {
    const inc = new Incident(p());
    const a = new Flapping('CircuitDown', 'fp1');
    const first = a.fire(T0);
    inc.notify(group([first]), T0);
    const firstEnd = a.resolve(T0 + 5_000);
    inc.notify(group([firstEnd]), T0 + 5_000);
    inc.notify(group([a.fire(T0 + 20_000)]), T0 + 20_000); // reopens
    const before = inc.state;
    expect(inc.notify(group([first]), T0 + 25_000)).toMatchObject({ changed: false, stale: 1 });
    expect(inc.notify(group([firstEnd]), T0 + 30_000)).toMatchObject({ changed: false, stale: 1 });
    expect(inc.state).toEqual(before);
    expect(inc.state).toMatchObject({ phase: 'open', firing: { [Object.keys(inc.state!.firing)[0]!]: { startsAt: new Date(T0 + 20_000).toISOString() } } });
  });

  it('a late snapshot does not end the alerts it leaves out', () => {
    const inc = new Incident(p());
    const x = new Flapping('CircuitDown', 'fp1');
    const y = new Flapping('PacketLoss', 'fp2');
    const xFiring = x.fire(T0);
    inc.notify(group([xFiring]), T0);
    // X resolves and Y fires; the peer's late copy still shows X firing and knows nothing of Y.
    inc.notify(group([x.resolve(T0 + 3_000), y.fire(T0 + 2_000)]), T0 + 3_000);
    expect(writes(inc.notify(group([xFiring]), T0 + 16_000))).toEqual([]);
    // Its later copy lists X resolved, again without Y.
    expect(writes(inc.notify({ ...group([x.resolve(T0 + 3_000)]), status: 'resolved' }, T0 + 31_000))).toEqual([]);
    expect(Object.values(inc.state!.firing).map((a) => a.name)).toEqual(['PacketLoss']);
    // A current snapshot still ends what it leaves out.
    const w = writes(inc.notify(group([['Other', 'fp3']]), T0 + 40_000));
    expect((w[0] as { text: string }).text).toContain('Resolved (1):\n- PacketLoss [fp2]');
  });

  it('remembers an instance it only heard of as resolved', () => {
    const inc = new Incident(p());
    const x = new Flapping('CircuitDown', 'fp1');
    const y = new Flapping('PacketLoss', 'fp2');
    inc.notify(group([x.fire(T0)]), T0);
    // Y fired and resolved between two notifications: the bridge hears only of its end.
    const yFiring = y.fire(T0 + 1_000);
    inc.notify(group([x.firing(), y.resolve(T0 + 2_000)]), T0 + 3_000);
    expect(writes(inc.notify(group([x.firing(), yFiring]), T0 + 16_000))).toEqual([]);
    expect(Object.keys(inc.state!.past)).toHaveLength(1);
  });

  it('takes a resolve that overlaps the firing instance for its end (instances merged from two Prometheus servers)', () => {
    const inc = new Incident(p());
    // The first notification carried one server's later start; the merged alert keeps the earlier.
    inc.notify(group([['CircuitDown', 'fp1', 'firing', '2025-03-04T09:00:10Z']]), T0);
    const w = writes(inc.notify(group([['CircuitDown', 'fp1', 'resolved', '2025-03-04T09:00:00Z', '2025-03-04T09:30:00Z']]), T0 + 60_000));
    expect(w.map((x) => x.kind)).toEqual(['message', 'update']);
    expect(inc.state!.phase).toBe('resolved');
  });

  it('keeps ended instances only as long as a late copy could matter, and at most MAX_ALERTS of them', () => {
    const inc = new Incident(p()); // reopen window 10 min, flap window 15 min: the one-hour floor applies
    const a = new Flapping('CircuitDown', 'fp1');
    const fire = group([a.fire(T0)]);
    inc.notify(fire, T0);
    inc.notify(group([a.resolve(T0 + 5_000)]), T0 + 5_000);
    expect(Object.values(inc.state!.past)).toEqual([{ startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 5_000).toISOString(), at: T0 + 5_000 }]);
    // Still within the hour: a late copy changes nothing; past it, the instance is forgotten.
    expect(inc.notify(fire, T0 + 3_000_000)).toMatchObject({ changed: false, stale: 1 });
    inc.notify(group([['Other', 'fp9', 'resolved']]), T0 + 5_000 + 3_600_001);
    expect(Object.keys(inc.state!.past)).toEqual([expect.stringMatching(/:fp9$/)]);

    const many = new Incident(p());
    many.notify(group([['A', 'fp0']]), T0);
    for (let i = 0; i < 3; i++) {
      const batch = Array.from({ length: 500 }, (_, j): Spec => [`R${i}-${j}`, `r${i}-${j}`, 'resolved']);
      many.notify(group([['A', 'fp0'], ...batch]), T0 + (i + 1) * 1000);
    }
    const kept = Object.values(many.state!.past);
    expect(kept).toHaveLength(MAX_ALERTS);
    expect(Math.min(...kept.map((k) => k.at))).toBe(T0 + 2000); // the oldest went first
  });

  it('reads back a state stored before instances were remembered', () => {
    const inc = new Incident(p());
    inc.notify(group([['CircuitDown', 'fp1']]), T0);
    const { past: _past, ...older } = JSON.parse(JSON.stringify(inc.state)) as Record<string, unknown>;
    expect(incidentStateSchema.parse(older).past).toEqual({});
  });

  it('Grafana: the same, by its fingerprint and startsAt', () => {
    const firingBody = fixture<{ alerts: Record<string, unknown>[]; status: string }>('grafana-firing.json');
    const resolvedBody = structuredClone(firingBody);
    resolvedBody.status = 'resolved';
    Object.assign(resolvedBody.alerts[0]!, { status: 'resolved', endsAt: '2025-03-04T08:20:00Z' });
    const parse = (b: unknown) => {
      const r = parseNotification('grafana', b);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.notification;
    };
    const inc = new Incident(p());
    inc.notify(parse(firingBody), T0);
    expect(writes(inc.notify(parse(resolvedBody), T0 + 1000)).map((w) => w.kind)).toEqual(['message', 'update']);
    expect(inc.notify(parse(firingBody), T0 + 16_000)).toMatchObject({ changed: false, stale: 1 });
    const refired = structuredClone(firingBody);
    refired.alerts[0]!.startsAt = '2025-03-04T08:25:00Z';
    expect(writes(inc.notify(parse(refired), T0 + 60_000)).map((w) => w.kind)).toEqual(['message', 'update']);
  });

  it('Events API: no instances, so a trigger after a resolve fires again; repeats still change nothing', () => {
    const ev = (name: string) => {
      const r = parseNotification('events', fixture(name));
      if (!r.ok) throw new Error('parse');
      return r.notification;
    };
    const inc = new Incident(p());
    inc.notify(ev('events-trigger.json'), T0);
    expect(inc.notify(ev('events-trigger.json'), T0 + 1000).changed).toBe(false);
    expect(writes(inc.notify(ev('events-resolve.json'), T0 + 2000))).toHaveLength(2);
    expect(inc.notify(ev('events-resolve.json'), T0 + 3000).changed).toBe(false);
    expect(writes(inc.notify(ev('events-trigger.json'), T0 + 4000)).map((w) => w.kind)).toEqual(['message', 'update']);
    expect(inc.state!.past).toEqual({});
  });

  it('alerts without a start time are compared by id alone, as before', () => {
    const inc = new Incident(p());
    const zero = '0001-01-01T00:00:00Z';
    inc.notify(group([['A', 'fp1', 'firing', zero]]), T0);
    inc.notify(group([['A', 'fp1', 'resolved', zero]]), T0 + 1000);
    expect(writes(inc.notify(group([['A', 'fp1', 'firing', zero]]), T0 + 2000)).map((w) => w.kind)).toEqual(['message', 'update']);
  });
});
