import type { Case, CaseMessage } from '../expereo/v2-contract.js';
import { messageFingerprint } from '../state/fingerprint.js';
import { toMs } from './instants.js';
import type { CaseInfo } from './jobs.js';
import type { Delivery } from './sink.js';

/** What the poller needs of a case from a list page or a single read. */
export function caseInfo(kase: Case): CaseInfo {
  return {
    modified: kase.lastModifiedDate ?? null,
    status: kase.status ?? null,
    descriptionFp: kase.description ? messageFingerprint(kase.description) : null,
  };
}

export interface ThreadSplit {
  /** Not handled before, in thread order: candidates for delivery (own messages still to filter). */
  fresh: CaseMessage[];
  /** Not handled before, but not to be delivered: older than the link, or the case's opening message. */
  history: CaseMessage[];
}

/**
 * Which messages of a thread are new to the linked conversations. A message is handled once, by
 * id (`seen`); ids survive retries, restarts and ties in time. Messages dated before `sinceMs` (the
 * moment the case was first tracked, less a grace) are the history the conversation never asked
 * for, and the message equal to the case's description is the case's own opening text. Undated
 * messages count as history on the first look at a case and as new afterwards.
 */
export function splitThread(
  messages: readonly CaseMessage[],
  opts: { seen: ReadonlySet<string>; sinceMs: number; descriptionFp: string | null; firstLook: boolean },
): ThreadSplit {
  const fresh: { m: CaseMessage; at: number; i: number }[] = [];
  const history: CaseMessage[] = [];
  messages.forEach((m, i) => {
    if (opts.seen.has(m.caseMessageId)) return;
    const at = toMs(m.timestamp);
    const old = at === undefined ? opts.firstLook : at < opts.sinceMs;
    const opening = opts.descriptionFp !== null && messageFingerprint(m.message) === opts.descriptionFp;
    if (old || opening) history.push(m);
    else fresh.push({ m, at: at ?? Number.POSITIVE_INFINITY, i });
  });
  fresh.sort((a, b) => a.at - b.at || a.i - b.i);
  return { fresh: fresh.map((f) => f.m), history };
}

/** The thread's latest message (by time, then thread order), recorded in the cursor for operators. */
export function latestMessage(messages: readonly CaseMessage[]): CaseMessage | undefined {
  let latest: CaseMessage | undefined;
  for (const m of messages) {
    if (!latest || (toMs(m.timestamp) ?? Number.NEGATIVE_INFINITY) >= (toMs(latest.timestamp) ?? Number.NEGATIVE_INFINITY)) latest = m;
  }
  return latest;
}

export function messageDelivery(caseId: string, m: CaseMessage, fallbackAt: string): Delivery {
  return {
    id: `message:${m.caseMessageId}`,
    caseId,
    kind: 'message',
    ...(m.sentBy ? { author: m.sentBy } : {}),
    text: m.message,
    at: m.timestamp ?? fallbackAt,
  };
}

/** A status change as a note. Its id names the change, so the same change is one delivery. */
export function statusDelivery(caseId: string, change: { from: string; to: string; at: string; closed: boolean }): Delivery {
  const from = change.from || 'unknown';
  const to = change.to || 'unknown';
  const text = change.closed
    ? `Case ${caseId} is now ${to} (was ${from}). Replies to it are no longer mirrored here.`
    : `Case ${caseId} status changed from ${from} to ${to}.`;
  return {
    id: `status:${to}:${change.at}`,
    caseId,
    kind: 'status',
    text,
    at: change.at,
    status: { ...(change.from ? { from: change.from } : {}), to: change.to, closed: change.closed },
  };
}
