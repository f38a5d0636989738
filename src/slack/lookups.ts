import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CallOptions, ExpereoClient } from '../expereo/client.js';
import { TTL_S, type SlackKeys } from './slack-keys.js';
import { isTransientSlackError, slackErrorCode, type WebClient } from './web-client.js';

export interface ServiceItem {
  id: string;
  name: string;
  siteId?: string;
  status?: string;
}
export interface SiteItem {
  id: string;
  name: string;
  place?: string;
}

/** More than any customer has; a cap keeps one cache entry and one options answer bounded. */
const MAX_ITEMS = 2000;

/**
 * Lookups behind a Redis cache, so that pickers and checks spare expereo's read budget (3/s for the
 * whole bridge): an account's services and sites, and people's Slack names. Concurrent misses in
 * this process share one upstream read.
 */
export class SlackLookups {
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(private readonly o: { redis: Redis; keys: SlackKeys; expereo: ExpereoClient; log: Logger }) {}

  /** The account's services, or undefined when they could not be read in time. */
  services(accountId: string, call?: CallOptions): Promise<ServiceItem[] | undefined> {
    return this.cached(this.o.keys.services(accountId), call, async () => {
      const items: ServiceItem[] = [];
      for await (const s of this.o.expereo.accountServices(accountId, { limit: 200 }, call)) {
        items.push({
          id: s.serviceId,
          name: s.serviceName ?? s.serviceId,
          ...(s.siteId ? { siteId: s.siteId } : {}),
          ...(s.status ? { status: s.status } : {}),
        });
        if (items.length >= MAX_ITEMS) break;
      }
      return items;
    });
  }

  /** Cached services only: never reads upstream (for checks inside an acknowledgement). */
  async cachedServices(accountId: string): Promise<ServiceItem[] | undefined> {
    const raw = await this.o.redis.get(this.o.keys.services(accountId));
    return raw ? (JSON.parse(raw) as ServiceItem[]) : undefined;
  }

  sites(accountId: string, call?: CallOptions): Promise<SiteItem[] | undefined> {
    return this.cached(this.o.keys.sites(accountId), call, async () => {
      const items: SiteItem[] = [];
      for await (const s of this.o.expereo.accountSites(accountId, { limit: 200 }, call)) {
        const place = [s.city, s.country].filter(Boolean).join(', ');
        items.push({ id: s.siteId, name: s.name ?? s.siteId, ...(place ? { place } : {}) });
        if (items.length >= MAX_ITEMS) break;
      }
      return items;
    });
  }

  /**
   * A person's name as Slack shows it; the user id when Slack cannot say. A refusal that will not
   * change soon (user_not_found, a missing scope) is remembered for a while, and a 429 for its
   * Retry-After, so that a busy thread does not ask again for every reply.
   */
  async userName(web: WebClient, teamId: string, userId: string): Promise<string> {
    const key = this.o.keys.userName(teamId, userId);
    const hit = await this.o.redis.get(key);
    if (hit) return hit;
    try {
      const res = await web.users.info({ user: userId });
      const u = res.user;
      const name = u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name;
      if (!name) return userId;
      await this.o.redis.set(key, name, 'EX', TTL_S.userName);
      return name;
    } catch (err) {
      this.o.log.warn({ err, userId }, 'users.info failed; using the user id as the name');
      const forS =
        slackErrorCode(err) === 'rate_limited'
          ? Math.max(1, (err as { retryAfter?: number }).retryAfter ?? 60)
          : isTransientSlackError(err)
            ? 0
            : TTL_S.userNameRefused;
      if (forS > 0) await this.o.redis.set(key, userId, 'EX', forS).catch(() => undefined);
      return userId;
    }
  }

  private async cached<T>(key: string, call: CallOptions | undefined, load: () => Promise<T>): Promise<T | undefined> {
    const hit = await this.o.redis.get(key);
    if (hit) return JSON.parse(hit) as T;
    let pending = this.loading.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load().then(async (value) => {
        await this.o.redis.set(key, JSON.stringify(value), 'EX', TTL_S.lookups);
        return value;
      });
      this.loading.set(key, pending);
      void pending.finally(() => this.loading.delete(key)).catch(() => undefined);
    }
    try {
      return await pending;
    } catch (err) {
      this.o.log.warn({ err, key }, 'lookup from expereo failed');
      return undefined;
    }
  }
}
