import type { Redis } from 'ioredis';
import { messageFingerprint } from '../state/fingerprint.js';
import { markersIn } from './comment-text.js';
import { keyPart, type TicketComment } from './ticket-event.js';

/**
 * What the ITSM connectors remember in Redis, all under `REDIS_PREFIX` (`<p>`):
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:itsm:delivery:<connector>:<delivery id>` | string | a delivery whose writes were queued; a repeat is acknowledged without effect (TTL `deliveryTtlSeconds`) |
 * | `<p>:itsm:out:<connector>:<ticket>:<post>` | string | a comment the bridge is posting (`pending`) or posted (`done`) on a ticket (TTL 30 days) |
 * | `<p>:itsm:posted:<connector>:<ticket>` | set | `id:<comment id>`, `fp:<fingerprint>`, `mk:<marker>` of comments the bridge wrote there (TTL 90 days) |
 *
 * `<ticket>` and `<post>` are the ids as given when short and plain, else a hash of them.
 */
const OUT_TTL_S = 30 * 86_400;
const POSTED_TTL_S = 90 * 86_400;

export type PostState = 'pending' | 'done' | undefined;

export class ItsmState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private deliveryKey(connector: string, deliveryId: string): string {
    return `${this.prefix}:itsm:delivery:${connector}:${keyPart(deliveryId)}`;
  }
  private outKey(connector: string, ticketId: string, postId: string): string {
    return `${this.prefix}:itsm:out:${connector}:${keyPart(ticketId)}:${keyPart(postId, 48)}`;
  }
  private postedKey(connector: string, ticketId: string): string {
    return `${this.prefix}:itsm:posted:${connector}:${keyPart(ticketId)}`;
  }

  async deliverySeen(connector: string, deliveryId: string): Promise<boolean> {
    return (await this.redis.exists(this.deliveryKey(connector, deliveryId))) === 1;
  }

  /** Called only once the delivery's writes are queued, so a failed enqueue leaves a retry free to act. */
  async rememberDelivery(connector: string, deliveryId: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.deliveryKey(connector, deliveryId), String(Date.now()), 'EX', ttlSeconds);
  }

  /** Did the bridge write this comment itself (by id, by a marker it placed, or by content)? */
  async isEcho(connector: string, ticketId: string, comment: Pick<TicketComment, 'id' | 'text'>): Promise<boolean> {
    const members = [`id:${comment.id}`, `fp:${messageFingerprint(comment.text)}`, ...markersIn(comment.text).map((m) => `mk:${m}`)];
    const hits = await this.redis.smismember(this.postedKey(connector, ticketId), ...members);
    return hits.some((h) => h === 1);
  }

  async postState(connector: string, ticketId: string, postId: string): Promise<PostState> {
    const v = await this.redis.get(this.outKey(connector, ticketId, postId));
    return v === 'pending' || v === 'done' ? v : undefined;
  }

  /**
   * Before posting: the marker and fingerprint are recorded first, so that the tool's webhook for
   * the new comment, which may arrive before the post returns, is already recognised as an echo.
   */
  async beginPost(connector: string, ticketId: string, postId: string, marker: string, text: string): Promise<void> {
    const posted = this.postedKey(connector, ticketId);
    await this.redis
      .multi()
      .sadd(posted, `mk:${marker}`, `fp:${messageFingerprint(text)}`)
      .expire(posted, POSTED_TTL_S)
      .set(this.outKey(connector, ticketId, postId), 'pending', 'EX', OUT_TTL_S)
      .exec();
  }

  async finishPost(connector: string, ticketId: string, postId: string, commentId: string | undefined): Promise<void> {
    const posted = this.postedKey(connector, ticketId);
    const m = this.redis.multi();
    if (commentId) m.sadd(posted, `id:${commentId}`).expire(posted, POSTED_TTL_S);
    await m.set(this.outKey(connector, ticketId, postId), 'done', 'EX', OUT_TTL_S).exec();
  }
}
