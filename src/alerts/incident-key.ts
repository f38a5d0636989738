import type { Notification } from './notification.js';
import { shortHash } from './notification.js';
import type { CorrelationRule } from './routing-schema.js';

/** Longest incident key kept verbatim (it becomes the case's customerReference, at most 255). */
export const MAX_KEY_LENGTH = 200;

const ALREADY_NORMAL = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/**
 * One spelling per key: Unicode NFKC, control characters and runs of white space folded to one
 * space, trimmed. Alertmanager versions differ in the spaces inside a groupKey (`{a="1", b="2"}`);
 * a key too long to keep keeps its start and gains a hash of the whole.
 */
export function normaliseKey(raw: string): string {
  // Printable ASCII words with single spaces between them are their own normal form.
  if (raw.length <= MAX_KEY_LENGTH && ALREADY_NORMAL.test(raw)) return raw;
  const text = raw
    .normalize('NFKC')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  if (text.length <= MAX_KEY_LENGTH) return text;
  return `${text.slice(0, MAX_KEY_LENGTH - 17)}~${shortHash(text, 16)}`;
}

/**
 * The incident a notification belongs to. The first correlation rule whose labels the notification
 * carries names it (`corr:circuit:circuit_id=cir-1001`), so that one outage reported by Alertmanager
 * and by an Events API sender is one case; otherwise the source's own key (`alertmanager:<groupKey>`).
 * Correlated values are compared case-insensitively.
 */
export function incidentKeyOf(n: Notification, correlation: readonly CorrelationRule[]): { key: string; correlated: boolean } {
  for (const rule of correlation) {
    if (rule.sources && !rule.sources.includes(n.source)) continue;
    const values = rule.labels.map((l) => n.labels[l]?.trim().toLowerCase() ?? '');
    if (values.some((v) => v === '')) continue;
    return { key: normaliseKey(`corr:${rule.name}:${rule.labels.map((l, i) => `${l}=${values[i]}`).join(',')}`), correlated: true };
  }
  return { key: ownKey(n), correlated: false };
}

export function ownKey(n: Pick<Notification, 'source' | 'groupKey'>): string {
  return normaliseKey(`${n.source}:${n.groupKey}`);
}

/** The incident's name in Redis keys, job ids and write keys: short, fixed-size, printable. */
export function incidentHash(key: string): string {
  return shortHash(key, 24);
}
