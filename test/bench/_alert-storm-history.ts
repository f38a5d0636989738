/**
 * The alert history of the alert-storm benchmark, and what an HA Alertmanager pair makes of it.
 *
 * The history is deterministic: groups of alerts on circuits fire, resolve and fire again; each
 * alert instance has its own start and end (a re-fire starts anew, as Prometheus sends it). One
 * sender delivers it as it happens. An HA pair delivers the same, and its second peer adds what
 * Alertmanager's second peer sends: every flush it takes the group's state, waits its peer timeout,
 * then sends that state unless the notification log (gossiped by both peers) says it was already
 * sent (`DedupStage.needsUpdate` in notify/notify.go). A state taken before a resolve so arrives
 * after it: a stale firing copy, and the late resolve follows.
 */
import { incidentHash } from '../../src/alerts/incident-key.js';

export const ALERT_NAMES = ['LinkDown', 'PacketLoss', 'HighLatency', 'BgpSessionDown', 'InterfaceErrors', 'OpticalPowerLow'];
/** The source's clock at the start of the history. */
const BASE = Date.parse('2025-03-04T09:00:00Z');

/** Deterministic pseudo-random numbers, so that every run sends the same storm. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fingerprintOf = (circuit: string, name: string) => incidentHash(`${circuit}/${name}`).slice(0, 16);

interface Instance {
  startsAt: number;
  endsAt?: number;
}

export interface Group {
  circuit: string;
  /** Every instance of each alert, oldest first; the last one is open while it fires. */
  instances: Map<string, Instance[]>;
  started: boolean;
  changes: number;
  everFired: Set<string>;
}

/** One delivery of a group's state: what fires, and what resolved since the sender's last flush. */
export interface Delivery {
  /** Milliseconds from the start of the history. */
  at: number;
  group: number;
  firing: string[];
  resolved: string[];
  body: string;
}

export interface Step extends Delivery {
  /** Sent twice at once (two senders delivering the same group within milliseconds). */
  duplicate: boolean;
}

export interface History {
  groups: Group[];
  steps: Step[];
  repeats: number;
  duplicatePairs: number;
}

function firingAt(g: Group, at: number): string[] {
  return [...g.instances].filter(([, list]) => list.some((i) => i.startsAt <= at && (i.endsAt === undefined || i.endsAt > at))).map(([n]) => n);
}

function payload(g: Group, firing: string[], resolved: string[], at: number): string {
  const alert = (name: string, status: 'firing' | 'resolved') => {
    const list = g.instances.get(name)!;
    const i =
      status === 'firing'
        ? list.find((x) => x.startsAt <= at && (x.endsAt === undefined || x.endsAt > at))!
        : list.filter((x) => x.endsAt !== undefined && x.endsAt <= at).at(-1)!;
    return {
      status,
      labels: { alertname: name, circuit_id: g.circuit, severity: name === 'LinkDown' ? 'critical' : 'warning', team: 'network', job: 'snmp' },
      annotations: { summary: `${name} on circuit ${g.circuit}`, description: `${name} detected by the storm generator on ${g.circuit}.` },
      startsAt: new Date(BASE + i.startsAt).toISOString(),
      endsAt: status === 'resolved' ? new Date(BASE + i.endsAt!).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.example.net:9090/graph?g0.expr=${name}`,
      fingerprint: fingerprintOf(g.circuit, name),
    };
  };
  return JSON.stringify({
    receiver: 'expereo-bridge',
    status: firing.length > 0 ? 'firing' : 'resolved',
    alerts: [...firing.map((n) => alert(n, 'firing')), ...resolved.map((n) => alert(n, 'resolved'))],
    groupLabels: { circuit_id: g.circuit },
    commonLabels: { circuit_id: g.circuit, team: 'network', job: 'snmp' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.net:9093',
    version: '4',
    groupKey: `{}/{team="network"}:{circuit_id="${g.circuit}"}`,
    truncatedAlerts: 0,
  });
}

/** Moves a group to a different firing set: an alert fires or resolves, or the whole group does. */
function change(g: Group, rnd: () => number, at: number): string[] {
  const before = firingAt(g, at - 1);
  const firing = new Set(before);
  const idle = ALERT_NAMES.filter((n) => !firing.has(n));
  const r = rnd();
  if (firing.size === 0) firing.add(idle[Math.floor(rnd() * idle.length)]!);
  else if (r < 0.45 && idle.length > 0) firing.add(idle[Math.floor(rnd() * idle.length)]!);
  else if (r < 0.8 && firing.size > 1) firing.delete([...firing][Math.floor(rnd() * firing.size)]!);
  else firing.clear();
  for (const n of firing) {
    if (before.includes(n)) continue;
    const list = g.instances.get(n) ?? [];
    list.push({ startsAt: at });
    g.instances.set(n, list);
    g.everFired.add(n);
  }
  for (const n of before) if (!firing.has(n)) g.instances.get(n)!.at(-1)!.endsAt = at;
  g.changes += 1;
  return before.filter((n) => !firing.has(n));
}

/** `total` deliveries over `seconds` to `groupCount` groups: 30% change the group, 15% come twice at once. */
export function alertHistory(total: number, groupCount: number, seconds: number): History {
  const rnd = mulberry32(20_250_304);
  const groups: Group[] = Array.from({ length: groupCount }, (_, i) => ({
    circuit: `CIR-${String(7000 + i)}`,
    instances: new Map(),
    started: false,
    changes: 0,
    everFired: new Set(),
  }));
  const gapMs = (seconds * 1000) / total;
  const steps: Step[] = [];
  let sent = 0;
  let repeats = 0;
  let duplicatePairs = 0;
  while (sent < total) {
    const index = Math.floor(rnd() * groups.length);
    const g = groups[index]!;
    const at = Math.round(sent * gapMs) + 1;
    let resolved: string[] = [];
    if (!g.started) {
      resolved = change(g, rnd, at); // the first notification of a group fires
      g.started = true;
      g.changes = 0; // the create, not a message
    } else if (rnd() < 0.3) {
      resolved = change(g, rnd, at);
    } else {
      repeats += 1;
    }
    const duplicate = rnd() < 0.15 && sent + 2 <= total;
    const firing = firingAt(g, at);
    steps.push({ at, group: index, firing, resolved, body: payload(g, firing, resolved, at), duplicate });
    if (duplicate) duplicatePairs += 1;
    sent += duplicate ? 2 : 1;
  }
  return { groups, steps, repeats, duplicatePairs };
}

interface LogEntry {
  firing: Set<string>;
  resolved: Set<string>;
  at: number;
}

/** Alertmanager's DedupStage.needsUpdate: whether a peer's flush is sent, given the notification log. */
function needsUpdate(entry: LogEntry | undefined, firing: string[], resolved: string[], now: number, repeatMs: number): boolean {
  if (!entry) return firing.length > 0;
  if (!firing.every((n) => entry.firing.has(n))) return true;
  if (firing.length === 0) return entry.firing.size > 0;
  if (!resolved.every((n) => entry.resolved.has(n))) return true;
  return entry.at < now - repeatMs;
}

export interface PairTimings {
  peerTimeoutMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/**
 * The deliveries of an HA pair for the history: the first peer's are the history's own; the second
 * peer's copies are added in time order. Each copy is marked `stale` when it shows firing an
 * instance that had already ended when it was sent.
 */
export function pairDeliveries(h: History, t: PairTimings): { deliveries: (Step & { copy: boolean; stale: boolean })[] } {
  const copies: (Step & { copy: boolean; stale: boolean })[] = [];
  const log = new Map<number, LogEntry>();
  const flushEvery = Math.max(t.groupIntervalMs, t.peerTimeoutMs);
  const end = (h.steps.at(-1)?.at ?? 0) + 2 * t.peerTimeoutMs;
  // The log at any moment: the first peer's deliveries are known in advance, the copies are added as they are decided.
  const firstPeer = h.steps.map((s) => ({ ...s, copy: false, stale: false }));
  const decide: { at: number; group: number; flushAt: number }[] = [];
  h.groups.forEach((g, index) => {
    const first = h.steps.find((s) => s.group === index);
    if (!first) return;
    for (let flushAt = first.at; flushAt <= end; flushAt += flushEvery) decide.push({ at: flushAt + t.peerTimeoutMs, group: index, flushAt });
  });
  decide.sort((a, b) => a.at - b.at);
  let next = 0;
  const lastSnapshot = new Map<number, number>();
  for (const d of decide) {
    // Everything the first peer sent before this moment is in the log.
    while (next < firstPeer.length && firstPeer[next]!.at <= d.at) {
      const s = firstPeer[next++]!;
      log.set(s.group, { firing: new Set(s.firing), resolved: new Set(s.resolved), at: s.at });
    }
    const g = h.groups[d.group]!;
    const since = lastSnapshot.get(d.group) ?? -Infinity;
    lastSnapshot.set(d.group, d.flushAt);
    const firing = firingAt(g, d.flushAt);
    // The peer still holds the alerts that resolved since its last flush, as resolved.
    const resolved = [...g.instances]
      .filter(([n, list]) => !firing.includes(n) && list.some((i) => i.endsAt !== undefined && i.endsAt > since && i.endsAt <= d.flushAt))
      .map(([n]) => n);
    if (firing.length === 0 && resolved.length === 0) continue;
    if (!needsUpdate(log.get(d.group), firing, resolved, d.at, t.repeatIntervalMs)) continue;
    const stale = firing.some((n) => !firingAt(g, d.at).includes(n) || g.instances.get(n)!.at(-1)!.startsAt > d.flushAt);
    copies.push({ at: d.at, group: d.group, firing, resolved, body: payload(g, firing, resolved, d.flushAt), duplicate: false, copy: true, stale });
    log.set(d.group, { firing: new Set(firing), resolved: new Set(resolved), at: d.at });
  }
  return { deliveries: [...firstPeer, ...copies].sort((a, b) => a.at - b.at || Number(a.copy) - Number(b.copy)) };
}
