import type { Redis } from 'ioredis';
import { incidentStateSchema, type IncidentState } from './incident-state.js';
import { COMMIT, DRAINED } from './incident-store-scripts.js';
import type { PlannedItem } from './transitions.js';
import { runScript } from '../redis.js';
import { releaseLock, takeLock } from '../redis-lock.js';

/**
 * Incident state in Redis. Keys (all under `<p>:alerts:`, `<h>` = incidentHash(incident key)):
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:alerts:inc:<h>` | hash | `v` version (compare-and-set), `s` the IncidentState JSON |
 * | `<p>:alerts:inc:<h>:plan` | hash | planned writes and timers not yet carried out, by zero-padded order |
 * | `<p>:alerts:inc:<h>:lock` | string | who is carrying out the plan right now (PX) |
 * | `<p>:alerts:planned` | set | incident hashes with a plan left (the sweep repairs them) |
 * | `<p>:alerts:alias:<origin hash>` | string | a source's own key → the correlated incident key it joined |
 * | `<p>:alerts:announce:<create key>` | string | the Slack message announcing that create (`{channel, ts}`) |
 *
 * State changes are compare-and-set on `v`: two deliveries racing on one incident (an HA
 * Alertmanager pair) both compute from the same version, one stores, the other computes again
 * from the stored state and finds nothing left to do. The plan is stored in the same step, so a
 * crash between storing and enqueuing loses nothing.
 */
export function alertKeys(prefix: string) {
  const base = `${prefix}:alerts`;
  return {
    state: (h: string) => `${base}:inc:${h}`,
    plan: (h: string) => `${base}:inc:${h}:plan`,
    lock: (h: string) => `${base}:inc:${h}:lock`,
    planned: `${base}:planned`,
    alias: (originHash: string) => `${base}:alias:${originHash}`,
    announce: (createKey: string) => `${base}:announce:${createKey}`,
  };
}

export interface Loaded {
  /** '0' for an incident never stored. */
  version: string;
  state: IncidentState | undefined;
  /** The stored value no longer fits the schema (it is replaced on the next commit). */
  corrupt: boolean;
}

export class IncidentStore {
  readonly keys: ReturnType<typeof alertKeys>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = alertKeys(prefix);
  }

  async load(h: string): Promise<Loaded> {
    const [v, s] = await this.redis.hmget(this.keys.state(h), 'v', 's');
    if (!v || !s) return { version: v ?? '0', state: undefined, corrupt: false };
    try {
      const parsed = incidentStateSchema.safeParse(JSON.parse(s));
      return parsed.success ? { version: v, state: parsed.data, corrupt: false } : { version: v, state: undefined, corrupt: true };
    } catch {
      return { version: v, state: undefined, corrupt: true };
    }
  }

  async commit(h: string, version: string, state: IncidentState, items: PlannedItem[], ttlMs: number): Promise<boolean> {
    const pairs = items.flatMap((item) => [field(item.order), JSON.stringify(item)]);
    const res = await runScript(
      this.redis,
      COMMIT,
      3,
      this.keys.state(h),
      this.keys.plan(h),
      this.keys.planned,
      version,
      JSON.stringify(state),
      Math.round(ttlMs),
      h,
      ...pairs,
    );
    return res === 1;
  }

  async touch(h: string, ttlMs: number): Promise<void> {
    await this.redis.pexpire(this.keys.state(h), Math.round(ttlMs));
  }

  /** What is left of the incident's plan, in order. */
  async plan(h: string): Promise<PlannedItem[]> {
    const raw = await this.redis.hgetall(this.keys.plan(h));
    return Object.keys(raw)
      .sort()
      .flatMap((f) => {
        try {
          return [JSON.parse(raw[f]!) as PlannedItem];
        } catch {
          return [];
        }
      });
  }

  async done(h: string, order: number): Promise<void> {
    await this.redis.hdel(this.keys.plan(h), field(order));
  }

  /** True when the plan is empty (the incident then leaves the sweep's list). */
  async drained(h: string): Promise<boolean> {
    return (await runScript(this.redis, DRAINED, 2, this.keys.plan(h), this.keys.planned, h)) === 1;
  }

  async lock(h: string, owner: string, ttlMs: number): Promise<boolean> {
    return takeLock(this.redis, this.keys.lock(h), owner, ttlMs);
  }

  async unlock(h: string, owner: string): Promise<void> {
    await releaseLock(this.redis, this.keys.lock(h), owner);
  }

  async plannedIncidents(): Promise<string[]> {
    return this.redis.smembers(this.keys.planned);
  }

  async alias(originHash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.alias(originHash))) ?? undefined;
  }

  async setAlias(originHash: string, key: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.alias(originHash), key, 'PX', Math.round(ttlMs));
  }

  async announcement(createKey: string): Promise<{ channel: string; ts: string } | undefined> {
    const raw = await this.redis.get(this.keys.announce(createKey));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as { channel: string; ts: string };
    } catch {
      return undefined;
    }
  }

  async saveAnnouncement(createKey: string, posted: { channel: string; ts: string }, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.announce(createKey), JSON.stringify(posted), 'PX', Math.round(ttlMs));
  }
}

function field(order: number): string {
  return String(order).padStart(12, '0');
}
