import type { AlertRef, IncidentState } from './incident-state.js';
import { shortHash, type AlertInfo, type Notification } from './notification.js';

/** Firing sets: how a notification changes them, and how they are listed and remembered. */

/** Most alerts remembered per incident; beyond it new ones are left out (the case still opens). */
export const MAX_ALERTS = 1000;

/**
 * Applies a notification to the firing set. A snapshot (Alertmanager, Grafana) that is complete
 * also ends the alerts of its own group that it no longer lists; other groups folded into the same
 * incident are left alone. Known alerts keep their first description (a repeat changes nothing).
 */
export function applyAlerts(
  before: Readonly<Record<string, AlertInfo>>,
  n: Notification,
  now: number,
): { firing: Record<string, AlertInfo>; ended: Record<string, string | undefined>; changed: AlertInfo[] } {
  const firing: Record<string, AlertInfo> = { ...before };
  const ended: Record<string, string | undefined> = {};
  const changed: AlertInfo[] = [];
  const present = new Set<string>();
  for (const { status, ...a } of n.alerts) {
    present.add(a.id);
    if (status === 'firing') {
      if (!firing[a.id] && count(firing) < MAX_ALERTS) {
        firing[a.id] = compact(a);
        changed.push(a);
      }
    } else if (firing[a.id]) {
      changed.push(firing[a.id]!);
      delete firing[a.id];
      ended[a.id] = a.endsAt ?? new Date(now).toISOString();
    } else {
      ended[a.id] = a.endsAt;
    }
  }
  if (n.mode === 'snapshot' && (n.truncated === 0 || n.status === 'resolved')) {
    const mine = `${shortHash(n.origin)}:`;
    for (const id of Object.keys(firing)) {
      if (id.startsWith(mine) && !present.has(id)) {
        changed.push(firing[id]!);
        delete firing[id];
        ended[id] = new Date(now).toISOString();
      }
    }
  }
  return { firing, ended, changed };
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
