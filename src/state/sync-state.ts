import type { Redis } from 'ioredis';
import { z } from 'zod';
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

  /**
   * Did the bridge write this message itself (by the id the API returned, or by its content), and
   * for which conversations? Undefined: not the bridge's. An empty list: the bridge's, on behalf of
   * no conversation it knows (then it goes nowhere).
   */
  async messageOrigins(caseId: string, messageId: string, text: string): Promise<string[] | undefined> {
    const members = [`id:${messageId}`, `fp:${messageFingerprint(text)}`];
    const [flags, origins] = await Promise.all([
      this.redis.smismember(this.keys.caseSent(caseId), ...members),
      this.redis.hmget(this.keys.caseOrigins(caseId), ...members),
    ]);
    if (!flags.some((f) => f === 1)) return undefined;
    return [...new Set(origins.flatMap((raw) => parseList(raw)))];
  }

  /** What the bridge's updates of this case set, oldest first, each as stored (see forgetChanges). */
  async authoredChanges(caseId: string): Promise<{ raw: string; change: AuthoredChangeRecord }[]> {
    const raws = await this.redis.lrange(this.keys.caseChanges(caseId), 0, -1);
    return raws.flatMap((raw) => {
      const parsed = authoredChangeSchema.safeParse(safeJson(raw));
      return parsed.success ? [{ raw, change: parsed.data }] : [];
    });
  }

  /** Drops records that no longer tell anything, and marks those whose value a look saw upstream. */
  async settleChanges(caseId: string, forget: readonly string[], seen: readonly string[]): Promise<void> {
    if (forget.length === 0 && seen.length === 0) return;
    const key = this.keys.caseChanges(caseId);
    const tx = this.redis.multi();
    for (const raw of forget) tx.lrem(key, 1, raw);
    for (const raw of seen) {
      const parsed = authoredChangeSchema.safeParse(safeJson(raw));
      if (!parsed.success) continue;
      // Kept in place unless a concurrent look took it already (LREM counts what it removed).
      tx.eval(MARK_SEEN, 1, key, raw, JSON.stringify({ ...parsed.data, seen: true }));
    }
    await tx.exec();
  }
}

/** One field an update of the bridge set (recorded by the outbox's COMPLETE script); `seen` once a look saw it upstream. */
const authoredChangeSchema = z.object({ field: z.string(), value: z.string(), origins: z.array(z.string()), at: z.number(), seen: z.boolean().optional() });

const MARK_SEEN = `if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[2]) end return 1`;
export type AuthoredChangeRecord = z.infer<typeof authoredChangeSchema>;

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function parseList(raw: string | null): string[] {
  const value = raw === null ? undefined : safeJson(raw);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
