import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { BridgeError } from '../errors.js';
import type { CaseJournal } from '../journal/case-journal.js';
import type { Outcome, WriteRequestInput } from '../writes/catalog.js';
import { InvalidWriteError, type EnqueueResult } from '../writes/producer.js';
import { incidentHash, incidentKeyOf } from './incident-key.js';
import type { IncidentState } from './incident-state.js';
import { shortHash, type Notification, type NotificationHead } from './notification.js';
import { resolvePolicy, ruleFor, type Policy } from './policy.js';
import type { AlertsRouting } from './routing-schema.js';
import { slackThreadLink, type SlackPoster } from './slack-announce.js';
import type { IncidentStore, Loaded } from './incident-store.js';
import { onCreateOutcome, onHoldExpired, onNotification, onSettle, type Announce, type Decision, type PlannedItem, type Timer } from './transitions.js';

export interface ProcessorDeps {
  routing: AlertsRouting | undefined;
  store: IncidentStore;
  producer: { enqueue(input: WriteRequestInput): Promise<EnqueueResult> };
  /** Schedules a hold-down or flap timer (idempotent by job id). */
  schedule(timer: Timer): Promise<void>;
  slack: SlackPoster | undefined;
  log: Logger;
  journal?: Pick<CaseJournal, 'incidentChanged'>;
  now?: () => number;
}

export interface NotifyResult {
  status: 'accepted' | 'unchanged' | 'ignored';
  incident?: string;
  /** Case writes this notification queued. */
  writes: number;
  /** Alerts it listed that were late copies of instances already over (an HA Alertmanager peer's). */
  staleCopies?: number;
  reason?: string;
}

const DAY_MS = 86_400_000;
/** Compare-and-set attempts before giving up (a 503 asks the sender to retry). */
const MAX_ATTEMPTS = 25;
const LOCK_TTL_MS = 15_000;
/** How long a request waits for another one carrying out the same incident's plan. */
const WAIT_FOR_PLAN_MS = 5_000;

/**
 * Runs the incident state machine against Redis: reads the incident, decides, stores the new
 * state and its plan in one compare-and-set, then carries the plan out (writes to the producer,
 * timers to the alerts queue). Shared by the webhooks, the timers and the outcome handler.
 */
export class AlertProcessor {
  private readonly now: () => number;

  constructor(private readonly d: ProcessorDeps) {
    this.now = d.now ?? Date.now;
  }

  async notify(n: Notification): Promise<NotifyResult> {
    return this.guard(async () => {
      const routing = this.d.routing;
      if (!routing) return { status: 'ignored', writes: 0, reason: 'alerts are not configured' };
      const key = await this.incidentKey(n, routing);
      const h = incidentHash(key);
      const fresh = resolvePolicy(routing, n);
      const firing = n.alerts.some((a) => a.status === 'firing');
      let ignored: NotifyResult | undefined;
      let stale = 0;
      const decision = await this.mutate(h, (loaded) => {
        const known = loaded.state?.policy;
        const freshPolicy = 'policy' in fresh ? fresh.policy : undefined;
        // Resolves and acknowledgements carry few labels: they follow the incident's own rule.
        const policy: Policy | undefined = firing || !known ? (freshPolicy ?? known) : known;
        if (!policy) {
          if ('invalid' in fresh && firing)
            throw Object.assign(new BridgeError('invalid_request', 'no expereo service for this alert'), { issues: fresh.invalid });
          ignored = { status: 'ignored', writes: 0, reason: 'ignored' in fresh ? fresh.ignored : 'nothing fires and no incident is known' };
          return undefined;
        }
        const d = onNotification(loaded.state, n, key, policy, this.now());
        stale = d.stale ?? 0;
        return d;
      });
      if (ignored) return ignored;
      // Also when unchanged: a retry after a 503 finishes what the first delivery had stored.
      await this.carryOut(h);
      const staleCopies = stale > 0 ? { staleCopies: stale } : {};
      if (!decision) return { status: 'unchanged', incident: key, writes: 0, ...staleCopies };
      return { status: 'accepted', incident: key, writes: decision.items.filter((i) => i.kind === 'write').length, ...staleCopies };
    });
  }

  /**
   * Checked before a notification is acknowledged: a firing notification that no rule gives an
   * expereo service, and that belongs to no known incident, is refused (400) so that the sender
   * hears of the configuration problem at once. Everything else is for `notify` to decide.
   * The head decides most notifications; the whole one (`full`) is built only when the rule's
   * service or site label is missing from the common labels.
   */
  async refusal(head: NotificationHead, full: () => Notification): Promise<BridgeError | undefined> {
    const routing = this.d.routing;
    if (!routing || !head.firing) return undefined;
    // Common labels are all `ruleFor` reads of the head, and alerts can only add a missing label.
    if (!('invalid' in ruleFor(routing, { ...head, alerts: [] }))) return undefined;
    return this.guard(async () => {
      const n = full();
      const fresh = ruleFor(routing, n);
      if (!('invalid' in fresh)) return undefined;
      const key = await this.incidentKey(n, routing, false);
      const loaded = await this.d.store.load(incidentHash(key));
      if (loaded.state?.policy) return undefined;
      return Object.assign(new BridgeError('invalid_request', 'no expereo service for this alert'), { issues: fresh.invalid });
    });
  }

  /** A hold-down or flap timer fired. `retryAt` asks for it to run again later. */
  async timer(name: Timer['name'], h: string, seq: number): Promise<{ retryAt?: number }> {
    let retryAt: number | undefined;
    await this.mutate(h, (loaded) => {
      const d = name === 'hold' ? onHoldExpired(loaded.state, seq, this.now()) : onSettle(loaded.state, seq, this.now());
      retryAt = d.retryAt;
      return d;
    });
    if (retryAt !== undefined) return { retryAt };
    await this.carryOut(h); // also finishes a plan a crash left behind
    return {};
  }

  /** What became of a write an incident asked for. */
  async outcome(o: Outcome): Promise<void> {
    if (o.type === 'failed') this.d.log.warn({ key: o.key, kind: o.kind, incident: o.origin.ref, error: o.error }, 'alert write failed');
    if (o.kind !== 'create') return;
    const data = o.origin.data as { hash?: unknown } | undefined;
    const h = typeof data?.hash === 'string' ? data.hash : incidentHash(o.origin.ref);
    await this.mutate(h, (loaded) => onCreateOutcome(loaded.state, o));
  }

  /** Carries out the plans that a crash or an impatient request left behind. */
  async sweep(): Promise<void> {
    for (const h of await this.d.store.plannedIncidents()) await this.carryOut(h, 0);
  }

  // ---- internals ----------------------------------------------------------------------------

  private async incidentKey(n: Notification, routing: AlertsRouting, remember = true): Promise<string> {
    const { key, correlated } = incidentKeyOf(n, routing.correlation);
    if (routing.correlation.length === 0) return key;
    // A resolve may lack the labels that correlated its trigger: remember where each origin went.
    const origin = shortHash(n.origin, 24);
    if (correlated) {
      if (remember) await this.d.store.setAlias(origin, key, 30 * DAY_MS);
      return key;
    }
    return (await this.d.store.alias(origin)) ?? key;
  }

  /** Read, decide, compare-and-set; again from the stored state when another delivery won. */
  private async mutate(h: string, decide: (loaded: Loaded) => Decision | undefined): Promise<Decision | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const loaded = await this.d.store.load(h);
      if (loaded.corrupt) this.d.log.error({ incident: h }, 'stored incident state is unreadable; starting it afresh');
      const decision = decide(loaded);
      if (!decision || !decision.changed) {
        if (loaded.state) await this.d.store.touch(h, ttlOf(loaded.state));
        return undefined;
      }
      if (await this.d.store.commit(h, loaded.version, decision.state, decision.items, ttlOf(decision.state))) {
        this.d.journal?.incidentChanged(loaded.state, decision.state, loaded.version);
        return decision;
      }
    }
    throw new BridgeError('queue_unavailable', `incident ${h} is changing too fast to record`);
  }

  /**
   * Carries out an incident's plan in order, one process at a time. A request that finds another
   * one at it waits (up to `waitMs`) so that it answers only once its writes are queued; after
   * that the plan is still in Redis and the sweep finishes it.
   */
  async carryOut(h: string, waitMs = WAIT_FOR_PLAN_MS): Promise<void> {
    const owner = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.d.store.lock(h, owner, LOCK_TTL_MS)) {
        try {
          await this.drain(h);
        } finally {
          await this.d.store.unlock(h, owner);
        }
        if (await this.d.store.drained(h)) return;
        continue;
      }
      if ((await this.d.store.plan(h)).length === 0 || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async drain(h: string): Promise<void> {
    for (;;) {
      const items = await this.d.store.plan(h);
      if (items.length === 0) return;
      for (const item of items) {
        await this.execute(item);
        await this.d.store.done(h, item.order);
      }
    }
  }

  private async execute(item: PlannedItem): Promise<void> {
    if (item.kind === 'timer') return this.d.schedule(item.timer);
    let write = item.write;
    if (item.announce && write.kind === 'create') {
      const link = await this.announce(write.key, item.announce);
      if (link) write = { ...write, links: [...(write.links ?? []), link] };
    }
    try {
      await this.d.producer.enqueue(write);
    } catch (err) {
      // A write the catalog refuses will never be accepted: report it and go on with the plan.
      if (!(err instanceof InvalidWriteError)) throw err;
      this.d.log.error({ key: write.key, issues: err.issues }, 'alert write refused by the write catalog');
    }
  }

  private async announce(createKey: string, a: Announce) {
    if (!this.d.slack) return undefined;
    const saved = await this.d.store.announcement(createKey);
    if (saved) return slackThreadLink(saved);
    try {
      const posted = await this.d.slack.post(a.slackChannel, a.text);
      await this.d.store.saveAnnouncement(createKey, posted, 30 * DAY_MS);
      return slackThreadLink(posted);
    } catch (err) {
      // Announcing is a courtesy: the case is opened without the thread rather than not at all.
      this.d.log.warn({ err, createKey, channel: a.slackChannel }, 'Slack announcement failed');
      return undefined;
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof BridgeError) throw err;
      throw new BridgeError('queue_unavailable', 'the alert store is unavailable', { cause: err });
    }
  }
}

/** An incident is kept while it could still reopen its case, and a week beyond. */
function ttlOf(s: IncidentState): number {
  return s.policy.reopen.windowMs + 7 * DAY_MS;
}
