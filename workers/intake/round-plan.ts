/**
 * An intake reader's round, planned without Redis: which of the entries read are due now, which
 * wait behind an entry of their order key that is backing off, which cannot be read at all, and
 * the chains (one per order key, in arrival order) that run side by side.
 */

export interface IntakeEntry<T> {
  id: string;
  /** The order key: entries with the same key are handled one at a time, in arrival order. */
  key: string;
  payload: T;
  /** 1 on the first try. */
  attempt: number;
}

/** An entry as XREADGROUP returns it (fields null: deleted from the stream but still pending). */
export type RawEntry = [id: string, fields: string[] | null];

/** An entry that failed and is backing off: tries so far, and when it may run again. */
export interface RetryState {
  attempts: number;
  retryAt: number;
}

export interface RoundPlan<T> {
  /** Ready now, in the order read: no earlier entry of the same key is waiting. */
  due: IntakeEntry<T>[];
  /** Unreadable entries (no payload, or not JSON): straight to the dead list. */
  broken: { id: string; key: string; raw: string | undefined; error: string }[];
  /** Pending ids whose entry is gone from the stream: acknowledged, nothing else. */
  gone: string[];
  /** Order keys waiting behind a backing-off entry this round. */
  blocked: Set<string>;
  /** The earliest time a backing-off entry may run again (Infinity: none). */
  nextRetry: number;
}

export function emptyPlan<T>(): RoundPlan<T> {
  return { due: [], broken: [], gone: [], blocked: new Set(), nextRetry: Infinity };
}

/**
 * Sorts `entries` into `plan`. Called for the pending entries first, then for the new ones, so that
 * a key blocked by a pending entry in backoff holds its new entries back too.
 */
export function planEntries<T>(plan: RoundPlan<T>, entries: readonly RawEntry[], retries: ReadonlyMap<string, RetryState>, now: number): RoundPlan<T> {
  for (const [id, fields] of entries) {
    if (fields === null) {
      plan.gone.push(id);
      continue;
    }
    const parsed = parseEntry<T>(id, fields);
    if ('error' in parsed) {
      plan.broken.push({ id, key: parsed.key, raw: parsed.raw, error: parsed.error });
      continue;
    }
    const retry = retries.get(id);
    if (plan.blocked.has(parsed.key)) continue;
    if (retry && retry.retryAt > now) {
      plan.blocked.add(parsed.key);
      plan.nextRetry = Math.min(plan.nextRetry, retry.retryAt);
      continue;
    }
    plan.due.push({ ...parsed, attempt: (retry?.attempts ?? 0) + 1 });
  }
  return plan;
}

/** The due entries as one chain per order key, keys in order of their first entry. */
export function chainsByKey<T>(due: readonly IntakeEntry<T>[]): IntakeEntry<T>[][] {
  const chains = new Map<string, IntakeEntry<T>[]>();
  for (const e of due) {
    const chain = chains.get(e.key);
    if (chain) chain.push(e);
    else chains.set(e.key, [e]);
  }
  return [...chains.values()];
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 10_000;

/** Wait before try `attempt + 1`: doubling from 250 ms up to 10 s, the upper half of it at random. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ms / 2 + random() * (ms / 2));
}

/** XREADGROUP's answer for one stream → its entries. */
export function streamEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [, entries] = reply[0] as [string, RawEntry[]];
  return entries ?? [];
}

export function parseEntry<T>(id: string, fields: string[] | null): Omit<IntakeEntry<T>, 'attempt'> | { key: string; raw: string | undefined; error: string } {
  const f = pairs(fields ?? []);
  const key = typeof f.k === 'string' ? f.k : '';
  const raw = typeof f.p === 'string' ? f.p : undefined;
  if (raw === undefined) return { key, raw, error: 'entry has no payload' };
  try {
    return { id, key, payload: JSON.parse(raw) as T };
  } catch {
    return { key, raw, error: 'entry payload is not JSON' };
  }
}

export function pairs(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

export function safeParse(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
