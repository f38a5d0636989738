import type { Redis } from 'ioredis';
import { SinkError, type Delivery, type ReplySink } from '../mirror/sink.js';
import type { Link } from '../writes/catalog.js';
import { showCaseMessage } from './case-message.js';
import { TTL_S, type SlackKeys } from './slack-keys.js';
import { slackThreadOf } from './links.js';
import { THREAD_READ, type SlackReadBudget } from './read-budget.js';
import { escapeMrkdwn } from './texts.js';
import { isTransientSlackError, sinkErrorOf, slackErrorCode, type WebClient } from './web-client.js';

/** How a mirrored reply or status change reads in the case thread. */
export function deliveryText(d: Delivery): string {
  if (d.kind === 'status') return `:information_source: ${escapeMrkdwn(d.text)}`;
  return `*${escapeMrkdwn(d.author || 'expereo support')}* (expereo): ${escapeMrkdwn(d.text)}`;
}

/** Said under a post the bridge could not check for an earlier copy of. */
export const POSSIBLY_REPEATED = '_(possibly repeated: the bridge restarted while posting this and could not check the thread)_';

/** The metadata event type of a mirrored delivery's message; its payload names the delivery. */
export const DELIVERY_EVENT = 'expereo_delivery';

/** How far back of the first attempt a thread is searched for it (clocks differ). */
const LOOK_BACK_S = 120;

/** What the one look into the thread found: the earlier post, surely none, or it could not say. */
type Earlier = 'found' | 'absent' | 'unknown';

export interface SlackSinkDeps {
  web: WebClient;
  redis: Redis;
  keys: SlackKeys;
  budget: SlackReadBudget;
  caseUrl: (caseId: string) => string;
}

/**
 * Posts what expereo said into the linked Slack thread, once, and shows status changes by editing
 * the case's channel message in place (a thread the bridge did not open as a case message, such as
 * an alert's announcement, gets the change as a note instead):
 * - A delivery already posted is not posted again (marked after Slack accepted it).
 * - Each message carries the delivery id as message metadata, and the first attempt's time is
 *   noted before posting. A process that stops between Slack's answer and the mark leaves that
 *   note, so the next attempt looks in the thread for the message: one `conversations.replies` call
 *   of at most 15 messages, within the read budget every process shares (one a minute). When the
 *   budget says no, the page does not cover the time since the attempt, or the thread cannot be
 *   read for a lasting reason (a scope removed), it posts, marked as possibly repeated: a repeat is
 *   better than a loss. Nothing else ever reads a thread; replies arrive as Events API events.
 * - 429 → retry after Slack's Retry-After; a channel that is gone, archived or without the app →
 *   permanent.
 */
export function slackSink(o: SlackSinkDeps): ReplySink {
  return {
    kind: 'slack',
    async deliver(link: Link, delivery: Delivery, signal?: AbortSignal): Promise<void> {
      const thread = slackThreadOf(link);
      if (!thread) throw new SinkError('bad_link', `not a Slack thread link: ${link.id}`, { permanent: true });
      const marker = o.keys.delivered(link.id, delivery.id);
      if ((await o.redis.exists(marker)) === 1) return;
      if (signal?.aborted) throw new SinkError('aborted', 'the delivery was cancelled');
      if (delivery.kind === 'status' && delivery.status && (await editedInPlace(o, thread, delivery, delivery.status))) {
        await o.redis.set(marker, '1', 'EX', TTL_S.delivered);
        return;
      }
      const earlier = await o.redis.set(o.keys.deliveryAttempt(link.id, delivery.id), String(Date.now()), 'EX', TTL_S.delivered, 'NX', 'GET');
      const found = earlier === null ? 'absent' : await postedBefore(o, thread, delivery.id, Number(earlier));
      if (found !== 'found') {
        const text = deliveryText(delivery);
        try {
          await o.web.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.threadTs,
            text: found === 'unknown' ? `${text}\n${POSSIBLY_REPEATED}` : text,
            unfurl_links: false,
            unfurl_media: false,
            metadata: { event_type: DELIVERY_EVENT, event_payload: { delivery: delivery.id } },
          });
        } catch (err) {
          throw sinkErrorOf(err);
        }
      }
      await o.redis.set(marker, '1', 'EX', TTL_S.delivered);
    },
  };
}

/** Slack's answers to `chat.update` when the message, not the channel, is the trouble. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Shows a status change on the case's channel message; false when the bridge keeps no such message for the thread, or Slack can no longer edit it. */
async function editedInPlace(
  o: SlackSinkDeps,
  thread: { channel: string; threadTs: string },
  d: Delivery,
  status: NonNullable<Delivery['status']>,
): Promise<boolean> {
  const atMs = Date.parse(d.at);
  try {
    const shown = await showCaseMessage(o, thread.channel, thread.threadTs, {
      base: { caseId: d.caseId, url: o.caseUrl(d.caseId) },
      status: { status: status.to, closed: status.closed, atMs: Number.isNaN(atMs) ? Date.now() : atMs },
      onlyIfKnown: true,
    });
    return shown !== undefined;
  } catch (err) {
    // The message was deleted or can no longer be edited: the thread gets the change as a note.
    if (MESSAGE_GONE.has(slackErrorCode(err))) return false;
    throw sinkErrorOf(err);
  }
}

/** Whether the thread holds the message of delivery `id`, posted since `sinceMs`, by one budgeted read. */
async function postedBefore(o: SlackSinkDeps, thread: { channel: string; threadTs: string }, id: string, sinceMs: number): Promise<Earlier> {
  if (!(await o.budget.take('conversations.replies'))) return 'unknown';
  const oldest = Number.isFinite(sinceMs) ? String(Math.max(0, Math.floor(sinceMs / 1000) - LOOK_BACK_S)) : undefined;
  try {
    const res = await o.web.conversations.replies({
      channel: thread.channel,
      ts: thread.threadTs,
      include_all_metadata: true,
      limit: THREAD_READ.limit,
      ...(oldest ? { oldest } : {}),
    });
    const found = (res.messages ?? []).some(
      (m) => m.metadata?.event_type === DELIVERY_EVENT && (m.metadata.event_payload as { delivery?: unknown } | undefined)?.delivery === id,
    );
    if (found) return 'found';
    return res.has_more || res.response_metadata?.next_cursor ? 'unknown' : 'absent';
  } catch (err) {
    if (slackErrorCode(err) === 'rate_limited') {
      await o.budget.hold('conversations.replies', ((err as { retryAfter?: number }).retryAfter ?? 60) * 1000);
      return 'unknown';
    }
    if (isTransientSlackError(err)) throw sinkErrorOf(err);
    return 'unknown';
  }
}
