import type { Redis } from 'ioredis';
import { SinkError, type Delivery, type ReplySink } from '../mirror/sink.js';
import type { Link } from '../writes/catalog.js';
import { TTL_S, type SlackKeys } from './keys.js';
import { slackThreadOf } from './links.js';
import { escapeMrkdwn } from './texts.js';
import { sinkErrorOf, type WebClient } from './web-client.js';

/** How a mirrored reply or status change reads in the case thread. */
export function deliveryText(d: Delivery): string {
  if (d.kind === 'status') return `:information_source: ${escapeMrkdwn(d.text)}`;
  return `*${escapeMrkdwn(d.author || 'expereo support')}* (expereo): ${escapeMrkdwn(d.text)}`;
}

/**
 * Posts what expereo said into the linked Slack thread. A delivery already posted is not posted again
 * (marked after Slack accepted it). 429 → retry after Slack's Retry-After; a channel that is gone,
 * archived or without the app → permanent.
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
      try {
        await o.web.chat.postMessage({ channel: thread.channel, thread_ts: thread.threadTs, text: deliveryText(delivery), unfurl_links: false, unfurl_media: false });
      } catch (err) {
        throw sinkErrorOf(err);
      }
      await o.redis.set(marker, '1', 'EX', TTL_S.delivered);
    },
  };
}
