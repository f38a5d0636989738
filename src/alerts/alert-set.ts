import type { AlertRef, IncidentState, PastInstance } from './incident-state.js';
import type { Policy } from './policy.js';
import { shortHash, type AlertInfo, type Notification } from './notification.js';

/** Firing sets: how a notification changes them, and how they are listed and remembered. */

/** Most alerts remembered per incident; beyond it new ones are left out (the case still opens). */
export const MAX_ALERTS = 1000;

/**
 * How long an ended instance is remembered at the least. A peer of an Alertmanager cluster sends
 * its copy after waiting its position × `--cluster.peer-timeout`, and gives a notification up
 * within its group interval; an hour covers both for any sensible setting.
 */
export const MIN_PAST_MS = 3_600_000;

/** How long the instances that ended are remembered: as long as a late copy could reopen or flap the case. */
export function pastHorizonMs(policy: Pick<Policy, 'reopen' | 'flap'>): number {
  return Math.max(MIN_PAST_MS, policy.reopen.windowMs, policy.flap?.windowMs ?? 0);
}

export interface AppliedAlerts {
  firing: Record<string, AlertInfo>;
  /** The end time shown for each alert this notification ended or named as resolved. */
  ended: Record<string, string | undefined>;
  /** The alerts that started or ended: what flap damping lists. */
  changed: AlertInfo[];
  past: Record<string, PastInstance>;
  /** Copies of alert instances already over, which changed nothing. */
  stale: number;
}

/**
 * Applies a notification to the firing set. An alert instance is its id and its `startsAt`
 * (when the source has instances: Alertmanager, Grafana): a copy of an instance that has ended,
 * firing or resolved, changes nothing. An HA Alertmanager peer sends such copies, the state it took
 * before the other peer reported the resolve. A snapshot (Alertmanager, Grafana) that is complete
 * also ends the alerts of its own group that it no longer lists, unless it carried a stale copy:
 * then it was taken earlier and what it leaves out proves nothing. Other groups folded into the
 * same incident are left alone. Known alerts keep their first description (a repeat changes nothing).
 */
export function applyAlerts(
  before: Readonly<Record<string, AlertInfo>>,
  pastBefore: Readonly<Record<string, PastInstance>>,
  n: Notification,
  now: number,
): AppliedAlerts {
  const firing: Record<string, AlertInfo> = { ...before };
  const past: Record<string, PastInstance> = { ...pastBefore };
  const ended: Record<string, string | undefined> = {};
  const changed: AlertInfo[] = [];
  const present = new Set<string>();
  let stale = 0;
  for (const { status, ...a } of n.alerts) {
    present.add(a.id);
    const instance = n.instances ? instanceOf(a) : undefined;
    if (status === 'firing') {
      if (instance && isOver(instance, past[a.id])) stale += 1;
      else if (!firing[a.id] && count(firing) < MAX_ALERTS) {
        firing[a.id] = compact(a);
        changed.push(a);
      }
      continue;
    }
    const current = firing[a.id];
    if (current) {
      if (instance && endedBefore(instance, current)) {
        // The resolve of an earlier instance: the one firing now started after it ended.
        stale += 1;
        continue;
      }
      changed.push(current);
      delete firing[a.id];
      ended[a.id] = a.endsAt ?? new Date(now).toISOString();
    } else {
      if (instance && isOver(instance, past[a.id])) stale += 1;
      ended[a.id] = a.endsAt;
    }
    if (instance) remember(past, a.id, instance, now);
  }
  if (n.mode === 'snapshot' && stale === 0 && (n.truncated === 0 || n.status === 'resolved')) {
    const mine = `${shortHash(n.origin)}:`;
    for (const id of Object.keys(firing)) {
      if (id.startsWith(mine) && !present.has(id)) {
        changed.push(firing[id]!);
        delete firing[id];
        ended[id] = new Date(now).toISOString();
      }
    }
  }
  return { firing, ended, changed, past, stale };
}

/** When an alert instance started and, for a resolved one, ended (epoch ms, the source's clock). */
interface Instance {
  startsAt: number;
  endsAt?: number;
}

function instanceOf(a: Pick<AlertInfo, 'startsAt' | 'endsAt'>): Instance | undefined {
  const startsAt = a.startsAt ? Date.parse(a.startsAt) : Number.NaN;
  if (Number.isNaN(startsAt)) return undefined;
  const endsAt = a.endsAt ? Date.parse(a.endsAt) : Number.NaN;
  return Number.isNaN(endsAt) ? { startsAt } : { startsAt, endsAt };
}

/**
 * True when this is a copy of the instance that ended, or of an earlier one. Alertmanager itself
 * takes an alert that starts before an instance's end for that instance (it merges overlapping
 * ones), so a start up to the remembered end is not a new instance; a re-fire starts after it.
 */
function isOver(copy: Instance, last: PastInstance | undefined): boolean {
  if (!last) return false;
  const lastEnd = Date.parse(last.endsAt ?? last.startsAt);
  return copy.startsAt <= lastEnd;
}

/** True when a resolved copy names an end before the firing instance even started. */
function endedBefore(copy: Instance, firing: AlertInfo): boolean {
  const started = firing.startsAt ? Date.parse(firing.startsAt) : Number.NaN;
  return copy.endsAt !== undefined && !Number.isNaN(started) && copy.endsAt < started;
}

/** Keeps the latest instance of each alert that ended. */
function remember(past: Record<string, PastInstance>, id: string, i: Instance, now: number): void {
  const known = past[id];
  const end = i.endsAt ?? i.startsAt;
  if (known && Date.parse(known.endsAt ?? known.startsAt) >= end) return;
  past[id] = { startsAt: new Date(i.startsAt).toISOString(), ...(i.endsAt !== undefined ? { endsAt: new Date(i.endsAt).toISOString() } : {}), at: now };
}

/**
 * Forgets the instances that ended longer ago than `horizonMs` (by the bridge's clock), and the
 * oldest beyond `MAX_ALERTS`: what is left is what a late copy could still disturb.
 */
export function prunePast(past: Readonly<Record<string, PastInstance>>, now: number, horizonMs: number): Record<string, PastInstance> {
  const kept = Object.entries(past).filter(([, p]) => now - p.at <= horizonMs);
  if (kept.length > MAX_ALERTS) kept.sort(([, a], [, b]) => b.at - a.at).splice(MAX_ALERTS);
  return Object.fromEntries(kept);
}

function compact(a: AlertInfo): AlertInfo {
  return Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as unknown as AlertInfo;
}

export function count(o: object): number {
  return Object.keys(o).length;
}

/** The incident's firing alerts, oldest first (the order they are listed on the case). */
export function firingAlerts(s: IncidentState): AlertInfo[] {
  return Object.values(s.firing).sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '') || a.name.localeCompare(b.name));
}

/** What to remember of the alerts the case was told about. */
export function refs(firing: readonly AlertInfo[]): Record<string, AlertRef> {
  return Object.fromEntries(firing.map((a) => [a.id, { name: a.name, fingerprint: a.fingerprint, ...(a.startsAt ? { startsAt: a.startsAt } : {}) }]));
}

/** A remembered alert, enough to list it as resolved. */
export function asInfo(id: string, ref: AlertRef, endsAt: string | undefined): AlertInfo {
  return { id, name: ref.name, fingerprint: ref.fingerprint, labels: {}, annotations: {}, links: [], ...(endsAt ? { endsAt } : {}) };
}

/** JSON with sorted keys: a state read back from Redis compares equal to the same state built here. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
