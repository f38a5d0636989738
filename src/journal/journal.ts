import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runScript } from '../redis.js';
import { RECORD } from './record-script.js';

/**
 * What happened to each case, as operators ask it ("what became of my alert, ticket, message?"):
 * a bounded timeline per case in Redis, an index of the cases seen lately, and a log line per event
 * with the ids that join them. Recording is best effort: one script call, not awaited, whose
 * failure is only logged at debug; a webhook neither waits for it nor fails with it.
 *
 * | key (under `<prefix>:journal:`) | type | holds |
 * |---|---|---|
 * | `t:<subject>` | sorted set | event ids of one timeline, by time (ms) |
 * | `e:<subject>` | hash | event id → event (JSON) |
 * | `m:<subject>` | hash | what the console shows of the case: origin, ids, status, last activity |
 * | `up:<subject>` | string | the timeline that took this subject in (a create key → its case) |
 * | `recent` | sorted set | timelines by last activity |
 * | `n:<read or write>:<minute>`, `errors` | | upstream calls and errors (see activity.ts) |
 *
 * A subject is `c:<case id>`, `k:<create key>` (a case still being created) or `o:<origin kind>:<ref>`
 * (an alert incident, a ticket, a Slack thread before its case exists).
 */

export type JournalEventType = 'arrived' | 'queued' | 'merged' | 'sent' | 'retried' | 'dead' | 'replayed' | 'reply' | 'delivered' | 'undelivered' | 'incident';

/** The ids that join an event to the rest of the story (and to the log). */
export interface JoinIds {
  caseId?: string;
  writeKey?: string;
  incident?: string;
  ticket?: string;
  channel?: string;
}

export interface JournalEvent extends JoinIds {
  /** Unique per thing that happened: recording it twice adds it once. */
  id: string;
  at: number;
  type: JournalEventType;
  /** One sentence for people. */
  text: string;
  source?: string;
  lane?: string;
  etaMs?: number;
  status?: string;
  reason?: string;
  sink?: string;
  attempt?: number;
  /** The upstream write a sent event was part of: create, update, message. */
  op?: string;
}

/** What the console lists of a case. */
export interface CaseMeta {
  subject: string;
  caseId?: string;
  createKey?: string;
  origin?: string;
  ref?: string;
  title?: string;
  status?: string;
  ticket?: string;
  connector?: string;
  tool?: string;
  incident?: string;
  phase?: string;
  channel?: string;
  threadTs?: string;
  lastAt: number;
  last?: string;
}

export type MetaFields = Partial<Omit<CaseMeta, 'subject' | 'lastAt'>>;

export interface RecordInput {
  event: JournalEvent;
  /** Where the event belongs first (see the script), then subjects to take into that timeline. */
  subjects: string[];
  /** The first subject starts a timeline of its own (an incident's new episode). */
  detach?: boolean;
  meta?: MetaFields;
}

export interface JournalLimits {
  ttlSeconds: number;
  eventsPerCase: number;
  cases: number;
}

/**
 * The log line of each event: the steps operators follow at `info` (a case created, a write sent
 * or dead-lettered, a reply mirrored, an incident's state), the rest at `debug` (a webhook's own
 * arrival is not worth a fifth of the intake's throughput).
 */
const LOG_LINES: Record<JournalEventType, ['debug' | 'info' | 'warn', string]> = {
  arrived: ['debug', 'notification taken in'],
  queued: ['debug', 'write queued'],
  merged: ['info', 'write sent'],
  sent: ['info', 'write sent'],
  retried: ['debug', 'write retried'],
  dead: ['warn', 'write dead-lettered'],
  replayed: ['info', 'write replayed'],
  reply: ['info', 'reply found'],
  delivered: ['info', 'reply mirrored'],
  undelivered: ['warn', 'reply not delivered'],
  incident: ['info', 'incident state changed'],
};

export class Journal {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly limits: JournalLimits,
  ) {
    this.p = `${prefix}:journal:`;
  }

  /** Records an event and logs it; returns when Redis answered (callers need not wait). */
  record(input: RecordInput): Promise<void> {
    const { event } = input;
    const { id: _id, at: _at, type, text, op, ...fields } = event;
    const [level, line] = LOG_LINES[type];
    this.log[level]({ event: type, ...fields, op, detail: text }, type === 'sent' && op === 'create' ? 'case created' : line);
    const meta = Object.entries({ ...input.meta, last: text }).flatMap(([k, v]) => [k, v === undefined ? '' : String(v)]);
    const subjects = input.subjects.filter(Boolean);
    const { ttlSeconds, eventsPerCase, cases } = this.limits;
    return runScript(
      this.redis,
      RECORD,
      1,
      `${this.p}recent`,
      this.prefix,
      ttlSeconds,
      eventsPerCase,
      cases,
      event.id,
      event.at,
      JSON.stringify(event),
      input.detach ? '1' : '0',
      subjects.length,
      ...subjects,
      ...meta,
    ).then(
      () => undefined,
      (err: unknown) => this.log.debug({ err, event: event.id }, 'journal event not recorded'),
    );
  }

  // ---- reading (the console) ------------------------------------------------------------------

  /** The timeline a subject belongs to (following what took it in). */
  async rootOf(subject: string): Promise<string> {
    let root = subject;
    for (let i = 0; i < 4; i++) {
      const up = await this.redis.get(`${this.p}up:${root}`);
      if (!up || up === root) break;
      root = up;
    }
    return root;
  }

  async timeline(subject: string): Promise<{ meta: CaseMeta | undefined; events: JournalEvent[] }> {
    const root = await this.rootOf(subject);
    const [ids, meta] = await Promise.all([this.redis.zrange(`${this.p}t:${root}`, 0, -1), this.redis.hgetall(`${this.p}m:${root}`)]);
    const rows = ids.length ? await this.redis.hmget(`${this.p}e:${root}`, ...ids) : [];
    const events = rows.flatMap((row) => (row ? [JSON.parse(row) as JournalEvent] : []));
    return { meta: toMeta(meta), events };
  }

  /** The timelines with the latest activity, newest first. */
  async recent(limit: number): Promise<CaseMeta[]> {
    const subjects = await this.redis.zrevrange(`${this.p}recent`, 0, limit - 1);
    if (subjects.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const s of subjects) pipeline.hgetall(`${this.p}m:${s}`);
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([err, h]) => {
      const meta = err ? undefined : toMeta(h as Record<string, string>);
      return meta ? [meta] : [];
    });
  }
}

function toMeta(h: Record<string, string>): CaseMeta | undefined {
  if (!h.subject) return undefined;
  return { ...(h as unknown as CaseMeta), lastAt: Number(h.lastAt ?? 0) };
}
