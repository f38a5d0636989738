import type { Redis } from 'ioredis';
import { linkSchema, type Link } from '../writes/catalog.js';
import { messageFingerprint } from './fingerprint.js';
import type { StateKeys } from './state-keys.js';

/**
 * Which case belongs to which conversation, and what the bridge itself wrote. Creates link their
 * conversations atomically when the case is made (see the outbox); this is the rest of the API.
 */
export class SyncState {
  constructor(
    private readonly redis: Redis,
    readonly keys: StateKeys,
  ) {}

  /** Links a conversation to an existing case (e.g. `/case link <id>`); idempotent. */
  async link(caseId: string, link: Link): Promise<void> {
    const valid = linkSchema.parse(link);
    await this.redis
      .multi()
      .hset(this.keys.caseLinks(caseId), valid.id, JSON.stringify(valid))
      .set(this.keys.link(valid.id), caseId)
      .sadd(this.keys.linkedCases, caseId)
      .exec();
  }

  async unlink(caseId: string, linkId: string): Promise<void> {
    await this.redis.multi().hdel(this.keys.caseLinks(caseId), linkId).del(this.keys.link(linkId)).exec();
    if ((await this.redis.hlen(this.keys.caseLinks(caseId))) === 0) await this.redis.srem(this.keys.linkedCases, caseId);
  }

  async links(caseId: string): Promise<Link[]> {
    const raw = await this.redis.hvals(this.keys.caseLinks(caseId));
    return raw.flatMap((r) => {
      try {
        const parsed = linkSchema.safeParse(JSON.parse(r));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }

  async caseForLink(linkId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.link(linkId))) ?? undefined;
  }

  /** Every case with at least one linked conversation. */
  async linkedCases(): Promise<string[]> {
    return this.redis.smembers(this.keys.linkedCases);
  }

  /** Stops tracking a case (closed and delivered); its links stay readable. */
  async untrack(caseId: string): Promise<void> {
    await this.redis.srem(this.keys.linkedCases, caseId);
  }

  async caseIdForKey(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.ref(key))) ?? undefined;
  }

  /** Remembers a message the bridge wrote, so that it is never mirrored back. */
  async recordSent(caseId: string, sent: { messageId?: string; text?: string }): Promise<void> {
    const members = [...(sent.messageId ? [`id:${sent.messageId}`] : []), ...(sent.text ? [`fp:${messageFingerprint(sent.text)}`] : [])];
    if (members.length) await this.redis.sadd(this.keys.caseSent(caseId), ...members);
  }

  /** Did the bridge write this message itself (by the id the API returned, or by its content)? */
  async isOwnMessage(caseId: string, messageId: string, text: string): Promise<boolean> {
    const [byId, byText] = await this.redis.smismember(this.keys.caseSent(caseId), `id:${messageId}`, `fp:${messageFingerprint(text)}`);
    return byId === 1 || byText === 1;
  }
}
