import { gcraParams } from '../budget/gcra.js';
import { RedisBudget } from '../budget/redis-budget.js';
import type { Core } from '../core.js';
import { ExpereoApiError } from '../expereo/api-error.js';
import type { CallOptions } from '../expereo/client.js';
import type { Page } from '../expereo/pages.js';
import { caseMessageSchema, MAX_PAGE_LIMIT, type Case, type CaseMessage } from '../expereo/v2-contract.js';

/** The poller keeps at least this many reads of its budget in hand for what a scan finds (cadence.ts). */
export const MIRROR_RESERVE = 3;
/** Longest a poller read waits for its slot; beyond that the work is retried later. */
const READ_WAIT_MS = 60_000;
/** Most message pages read for one case in one look (200 messages each). */
const MAX_MESSAGE_PAGES = 20;
/** `sort=-LastModifiedDate` (v2-contract.ts: RECENTLY_MODIFIED_SORT). */
const RECENT_FIRST = ['-lastModifiedDate'];

/**
 * The poller's own pace: `readShare` of the read rate and of the burst, so that interactive reads
 * (Slack modals, look-ups) always find room. Every process polling for the same API client shares it.
 * Its share of the burst lets a flurry of replies be fetched at once rather than at the pace.
 */
export function mirrorBudget(core: Pick<Core, 'config' | 'expereo' | 'workerRedis' | 'keys'>): RedisBudget {
  const read = core.config.expereo.readBudget;
  const share = Math.max(0.01, core.config.mirror.readShare);
  const spec = { limit: read.limit * share, periodMs: read.periodMs, burst: Math.max(MIRROR_RESERVE + 1, Math.floor(read.burst * share)) };
  // Core does not expose the upstream client id; the built-in sandbox has none in the config.
  const clientId = core.expereo.clientId;
  return new RedisBudget(core.workerRedis, core.keys.budget(clientId, 'mirror'), gcraParams(spec, core.config.expereo.budgetMargin), 'mirror-read');
}

/** The share of the shared read budget's burst the poller leaves untouched. */
export function mirrorHoldBackUs(core: Pick<Core, 'config' | 'expereo'>): number {
  const share = Math.min(1, Math.max(0, core.config.mirror.readShare));
  return Math.round((1 - share) * core.expereo.readBudget.params.toleranceUs);
}

/**
 * Every upstream read of the poller: first a slot of the poller's pace, then (inside the client) a
 * slot of the shared read budget, holding back part of its burst. A 429 pauses both budgets for
 * the time the API asked.
 */
export class MirrorReads {
  constructor(
    private readonly core: Pick<Core, 'expereo' | 'log'>,
    private readonly budget: RedisBudget,
    private readonly holdBackUs: number,
  ) {}

  /**
   * What the budgets leave the poller now: reads its own budget grants at once, and whether
   * people's reads are eating into the share of the shared burst kept for them.
   */
  async room(): Promise<{ remaining: number; peopleReading: boolean }> {
    const shared = this.core.expereo.readBudget;
    const [own, all] = await Promise.all([this.budget.state(), shared.state()]);
    const keptForPeople = Math.floor(this.holdBackUs / shared.params.intervalUs);
    return { remaining: own.remaining, peopleReading: all.remaining < keptForPeople };
  }

  /** One read of the poller's pace, on average (ms). */
  get paceMs(): number {
    return this.budget.params.windowUs / this.budget.params.capacity / 1000;
  }

  casesPage(pageUrl: string | undefined, signal?: AbortSignal): Promise<Page<Case>> {
    return this.read((o) => this.core.expereo.casesPage({ sort: RECENT_FIRST, limit: MAX_PAGE_LIMIT }, pageUrl, o), signal);
  }

  getCase(caseId: string, signal?: AbortSignal): Promise<Case> {
    return this.read((o) => this.core.expereo.getCase(caseId, o), signal);
  }

  /** The whole thread of a case, page by page (nearly always one page). */
  async messages(caseId: string, signal?: AbortSignal): Promise<CaseMessage[]> {
    const path = `/v2/cases/${encodeURIComponent(caseId)}/case-messages`;
    const all: CaseMessage[] = [];
    let next: string | undefined;
    for (let pages = 0; pages < MAX_MESSAGE_PAGES; pages++) {
      const page: Page<CaseMessage> = await this.read((o) => this.core.expereo.page(path, caseMessageSchema, { limit: MAX_PAGE_LIMIT }, next, o), signal);
      all.push(...page.items);
      next = page.next;
      if (!next) break;
    }
    return all;
  }

  private async read<T>(call: (o: CallOptions) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.budget.acquire({ maxWaitMs: READ_WAIT_MS, signal });
    try {
      return await call({ signal, maxWaitMs: READ_WAIT_MS, holdBackUs: this.holdBackUs });
    } catch (err) {
      if (err instanceof ExpereoApiError && err.code === 'rate_limited') {
        const ms = Math.max(err.retryAfterMs ?? 1000, 100);
        this.core.log.warn({ retryAfterMs: ms }, 'expereo answered 429 to a poll: pausing reads');
        await Promise.all([this.core.expereo.readBudget.pause(ms), this.budget.pause(ms)]);
      }
      throw err;
    }
  }
}
