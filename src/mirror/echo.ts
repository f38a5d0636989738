import type { AuthoredChangeRecord } from '../state/sync-state.js';
import type { Delivery } from './sink.js';

/**
 * The echo rule, for every kind of write and every sink: a change the bridge made upstream on
 * behalf of a conversation (a ticket solved in Zendesk, a Jira issue reopened, a Slack reply) is not
 * delivered back to that conversation; it is delivered, once, to the case's other linked
 * conversations. A change nobody asked the bridge for (an expereo engineer's) reaches every one.
 *
 * Who a write spoke for is recorded when it is done (src/writes/authorship.ts, in the same Redis
 * step); while a write is on its way and its outcome unknown, the poller waits (own-writes.ts). So
 * at any moment the poller looks, a value it sees either came from a recorded write of the bridge
 * or from someone else.
 */

/** A delivery and the linked conversations it must not go to (those it came from). */
export interface PlannedDelivery {
  delivery: Delivery;
  except: readonly string[];
}

/**
 * Recorded writes of another process carry that process's clock: a look counts as later than a
 * write only when it began this much after it.
 */
export const CLOCK_ALLOWANCE_MS = 10_000;

export interface Attribution {
  /** Conversations on whose behalf the bridge set the value seen. */
  origins: string[];
  /** Records of the value seen, not yet marked as seen upstream, as stored. */
  seen: string[];
  /** Records that no longer tell anything (see below), as stored. */
  forget: string[];
}

/**
 * Who the value of `field` seen by a look at the case was set for: every conversation for which the
 * bridge wrote that value. A record of another value has been overwritten since (by an engineer, or
 * by a later write) when an earlier look saw its value, or when it was done before this look began:
 * it is forgotten, so that a later change back to its value by someone else reaches everyone.
 * Records this look may predate are kept. `readAtMs` undefined: when the look read the case is not
 * known, and only records seen before are forgotten.
 */
export function attributeValue(
  records: readonly { raw: string; change: AuthoredChangeRecord }[],
  field: string,
  seen: string,
  readAtMs: number | undefined,
): Attribution {
  const ofField = records.filter((r) => r.change.field === field);
  const same = ofField.filter((r) => r.change.value === seen);
  const origins = [...new Set(same.flatMap((r) => r.change.origins))];
  const done = (at: number) => readAtMs !== undefined && at + CLOCK_ALLOWANCE_MS < readAtMs;
  const forget = ofField.filter((r) => r.change.value !== seen && (r.change.seen === true || done(r.change.at))).map((r) => r.raw);
  return { origins, seen: same.filter((r) => r.change.seen !== true).map((r) => r.raw), forget };
}
