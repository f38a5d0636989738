import type { Redis } from 'ioredis';
import { SinkError, type Delivery, type ReplySink } from '../mirror/sink.js';
import type { Link } from '../writes/catalog.js';
import { TTL_S, type SlackKeys } from './slack-keys.js';
import { slackThreadOf } from './links.js';
import { escapeMrkdwn } from './texts.js';
import { isTransientSlackError, sinkErrorOf, type WebClient } from './web-client.js';

/** How a mirrored reply or status change reads in the case thread. */
export function deliveryText(d: Delivery): string {
  if (d.kind === 'status') return `:information_source: ${escapeMrkdwn(d.text)}`;
  return `*${escapeMrkdwn(d.author || 'expereo support')}* (expereo): ${escapeMrkdwn(d.text)}`;
}

/** The metadata event type of a mirrored delivery's message; its payload names the delivery. */
export const DELIVERY_EVENT = 'expereo_delivery';

/** How far back of the first attempt a thread is searched for it (clocks differ). */
const LOOK_BACK_S = 120;
/** Pages of thread replies read when looking for an earlier attempt's message. */
const MAX_PAGES = 10;

/**
 * Posts what expereo said into the linked Slack thread, once:
 * - A delivery already posted is not posted again (marked after Slack accepted it).
 * - Each message carries the delivery id as message metadata, and the first attempt's time is
 *   noted before posting. A process that stops between Slack's answer and the mark leaves that
 *   note, so the next attempt first looks in the thread for the message instead of posting it
 *   twice. When the thread cannot be read for a lasting reason (a scope removed), it posts: a
 *   repeat is better than a loss.
 * - 429 → retry after Slack's Retry-After; a channel that is gone, archived or without the app →
 *   permanent.
 */
export function slackSink(o: { web: WebClient; redis: Redis; keys: SlackKeys }): ReplySink {
  return {
    kind: 'slack',
    async deliver(link: Link, delivery: Delivery, signal?: AbortSignal): Promise<void> {
      const thread = slackThreadOf(link);
      if (!thread) throw new SinkError('bad_link', `not a Slack thread link: ${link.id}`, { permanent: true });
      const marker = o.keys.delivered(link.id, delivery.id);
      if ((await o.redis.exists(marker)) === 1) return;
      if (signal?.aborted) throw new SinkError('aborted', 'the delivery was cancelled');
      const earlier = await o.redis.set(o.keys.deliveryAttempt(link.id, delivery.id), String(Date.now()), 'EX', TTL_S.delivered, 'NX', 'GET');
      if (earlier === null || !(await postedBefore(o.web, thread, delivery.id, Number(earlier)))) {
        try {
          await o.web.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.threadTs,
            text: deliveryText(delivery),
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

/** Whether the thread holds the message of delivery `id`, posted since `sinceMs`. */
async function postedBefore(web: WebClient, thread: { channel: string; threadTs: string }, id: string, sinceMs: number): Promise<boolean> {
  const oldest = Number.isFinite(sinceMs) ? String(Math.max(0, Math.floor(sinceMs / 1000) - LOOK_BACK_S)) : undefined;
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await web.conversations.replies({
        channel: thread.channel,
        ts: thread.threadTs,
        include_all_metadata: true,
        limit: 200,
        ...(oldest ? { oldest } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const found = (res.messages ?? []).some(
        (m) => m.metadata?.event_type === DELIVERY_EVENT && (m.metadata.event_payload as { delivery?: unknown } | undefined)?.delivery === id,
      );
      if (found) return true;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return false;
    }
    return false;
  } catch (err) {
    if (isTransientSlackError(err)) throw sinkErrorOf(err);
    return false;
  }
}
