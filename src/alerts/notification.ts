import { createHash } from 'node:crypto';
import type { AlertSource } from './routing-schema.js';

/**
 * One shape for what every monitoring source tells us, so that incident logic never looks at a
 * source's own payload.
 */

export type Labels = Record<string, string>;

export interface AlertLink {
  title: string;
  url: string;
}

/** What the bridge remembers and shows of one alert. */
export interface AlertInfo {
  /** Unique within an incident: source, the source's group and the alert's fingerprint. */
  id: string;
  fingerprint: string;
  /** `alertname`, or the closest thing a source has. */
  name: string;
  labels: Labels;
  annotations: Labels;
  /** ISO 8601. */
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  links: AlertLink[];
  /** Query values at evaluation time (Grafana). */
  values?: string;
}

export interface AlertItem extends AlertInfo {
  status: 'firing' | 'resolved';
}

/**
 * What a webhook request needs of a notification before it is queued: its group (the intake's
 * order key), the labels rules match on, and whether anything fires. `Notification` has them all.
 */
export interface NotificationHead {
  source: AlertSource;
  origin: string;
  labels: Labels;
  firing: boolean;
  /** The only rules it may use (a routing key's rule set); all when absent. */
  rules?: readonly string[];
}

export interface Notification {
  source: AlertSource;
  /** The source's own incident id (Alertmanager/Grafana groupKey, Events dedup_key), normalised. */
  groupKey: string;
  /** Whose snapshot this is: alerts of this origin missing from a snapshot have resolved. */
  origin: string;
  /**
   * `snapshot`: the full current state of the group (Alertmanager, Grafana);
   * `delta`: only the alerts named changed (Events API).
   */
  mode: 'snapshot' | 'delta';
  /**
   * Whether an alert's `startsAt` names one instance of it, so that fingerprint and `startsAt` tell
   * a late copy of an instance that ended from a new one (Alertmanager, Grafana: a re-fire starts
   * anew). An Events API event names its alert by `dedup_key` alone.
   */
  instances: boolean;
  status: 'firing' | 'resolved' | 'acknowledged';
  /** Labels shared by the whole notification: what rules and correlation look at. */
  labels: Labels;
  annotations: Labels;
  alerts: AlertItem[];
  /** Alerts the source left out (Alertmanager `max_alerts`): absence then proves nothing. */
  truncated: number;
  /** Who to show as the author of case messages. */
  author: string;
  title?: string;
  externalURL?: string;
  receiver?: string;
  /** Why the source sent it (Alertmanager's `notification_reason`): a repeat tells nothing new. */
  reason?: string;
  /** The only rules it may use (a routing key's rule set); all when absent. */
  rules?: readonly string[];
}

/** Alertmanager's fingerprint when a source gives none: a stable hash of the sorted labels. */
export function labelsFingerprint(labels: Labels): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Alert ids carry the origin so that two groups (or sources) folded into one incident never clash:
 * `alertIds(origin)` gives the function that names each alert of that origin.
 */
export function alertIds(origin: string): (fingerprint: string) => string {
  const prefix = `${shortHash(origin)}:`;
  return (fingerprint) => prefix + fingerprint;
}

/**
 * Strings only: label and annotation values from JSON may be numbers, booleans or null. Written
 * into `into` (later keys win), a new record by default.
 */
export function stringRecord(input: Record<string, unknown> | null | undefined, into: Labels = {}): Labels {
  if (!input) return into;
  for (const k of Object.keys(input)) {
    const v = input[k];
    if (v === null || v === undefined) continue;
    into[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return into;
}

/** ISO 8601 in UTC, or undefined for Go's zero time and anything unparsable. */
export function isoOrUndefined(value: string | null | undefined): string | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
