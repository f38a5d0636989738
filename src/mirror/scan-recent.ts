import type { Queue } from 'bullmq';
import { ExpereoApiError } from '../expereo/api-error.js';
import { MAX_PAGE_LIMIT } from '../expereo/v2-contract.js';
import type { MirrorContext } from './mirror-context.js';
import { fetchCase } from './fetch-case.js';
import { jobData, jobOptions } from '../job-catalog.js';
import { fetchJobId, type FetchJob } from './jobs.js';
import { awaitingFirstLook, isRecentFirst, nextPage, planScan, type ScanItem } from './scan-plan.js';
import { caseInfo } from './thread.js';

export type ScanResult =
  | { usable: true; pages: number; fetches: number; dropped: number }
  /** The API refused or ignored the recent-first sort. */
  | { usable: false; reason: string };

/**
 * Change detection before fetching: one list of cases, most recently modified first (200 a page),
 * tells which linked cases changed since the last scan; only those have their messages read.
 */
export async function scanRecent(ctx: MirrorContext, signal?: AbortSignal): Promise<ScanResult> {
  const s = ctx.settings;
  const linked = await ctx.sync.linkedCases();
  if (linked.length === 0) return { usable: true, pages: 0, fetches: 0, dropped: 0 };
  const cursors = await ctx.cursors.getMany(linked);
  const watermark = await ctx.cursors.watermark();
  const now = ctx.now();
  // Cases that need a first look (or a fresh one), unless one is already queued.
  const baseline = new Set(
    linked.filter((id) => {
      const c = cursors.get(id);
      if (awaitingFirstLook(c, now, s.firstLookTimeoutMs)) return false;
      return !c?.exists || c.status === undefined || c.stale || watermark === undefined;
    }),
  );

  const read = await readPages(ctx, watermark, baseline, signal);
  if (!read.usable) return read;
  const plan = planScan({
    linked,
    cursors,
    items: read.items,
    covered: read.covered,
    hasWatermark: watermark !== undefined,
    closedStatuses: s.closedStatuses,
    nowMs: now,
    firstLookTimeoutMs: s.firstLookTimeoutMs,
  });
  await ctx.cursors.init(plan.init, now - s.lookbackMs, now);
  const changes = plan.fetch.filter((j) => !baseline.has(j.caseId));
  const inline = changes.length <= INLINE_FETCHES ? changes : [];
  await addFetches(
    ctx.queues.fetch,
    changes.filter((j) => !inline.includes(j)),
  );
  // First looks (many at once after a restart or a bulk link) must not hold up fresh changes.
  await addFetches(
    ctx.queues.fetch,
    plan.fetch.filter((j) => baseline.has(j.caseId)),
    BASELINE_PRIORITY,
  );
  for (const job of inline) await fetchNow(ctx, job, signal);
  for (const caseId of plan.drop) {
    await ctx.sync.untrack(caseId);
    await ctx.cursors.drop(caseId);
    ctx.log.info({ caseId }, 'case closed: no longer mirrored');
  }
  // Without a watermark, every case outside the pages was just sent for a baseline instead.
  if (read.newest && (read.covered || watermark === undefined)) await ctx.cursors.setWatermark(read.newest);
  if (!read.covered) ctx.log.warn({ pages: read.pages }, 'more cases changed than one scan reads: some changes wait for the next scan');
  return { usable: true, pages: read.pages, fetches: plan.fetch.length, dropped: plan.drop.length };
}

type PagesRead = { usable: true; items: ScanItem[]; newest: string | undefined; covered: boolean; pages: number } | { usable: false; reason: string };

/** Reads recent-first pages down to the watermark, and further while that finds baselines cheaply. */
async function readPages(ctx: MirrorContext, watermark: string | undefined, baseline: ReadonlySet<string>, signal?: AbortSignal): Promise<PagesRead> {
  const missing = new Set(baseline);
  const items: ScanItem[] = [];
  let next: string | undefined;
  let newest: string | undefined;
  for (let pages = 1; ; pages++) {
    let page;
    try {
      page = await ctx.reads.casesPage(next, signal);
    } catch (err) {
      if (refusesSort(err)) return { usable: false, reason: `the case list refused the sort (${(err as ExpereoApiError).status}): ${(err as Error).message}` };
      throw err;
    }
    if (!isRecentFirst(page.items)) return { usable: false, reason: 'the case list is not in most-recently-modified-first order' };
    newest ??= page.items[0]?.lastModifiedDate ?? undefined;
    for (const kase of page.items) {
      items.push({ caseId: kase.caseId, info: caseInfo(kase) });
      missing.delete(kase.caseId);
    }
    const step = nextPage({
      hasNext: page.next !== undefined,
      oldest: page.items.at(-1)?.lastModifiedDate,
      watermark,
      slackMs: ctx.settings.watermarkSlackMs,
      missing: missing.size,
      itemsRead: items.length,
      total: page.total,
      pagesRead: pages,
      maxPages: ctx.settings.maxScanPages,
      pageSize: MAX_PAGE_LIMIT,
    });
    if (!step.more) return { usable: true, items, newest, covered: step.covered, pages };
    next = page.next;
  }
}

/** A few changed cases are fetched by the scan itself: one queue hop less between reply and delivery. */
const INLINE_FETCHES = 3;

/**
 * Fetching inline is safe beside a queued fetch of the same case: deliveries have fixed job ids and
 * the cursor only moves forward in what it has seen. What cannot finish now goes to the queue.
 */
async function fetchNow(ctx: MirrorContext, job: FetchJob, signal?: AbortSignal): Promise<void> {
  try {
    if ((await fetchCase(ctx, job, signal)).kind === 'done') return;
  } catch (err) {
    ctx.log.warn({ err, caseId: job.caseId }, 'inline fetch failed: queued instead');
  }
  await addFetches(ctx.queues.fetch, [job]);
}

/** A 400 (or 422) to the list means the sort (or the field) is not usable on this API. */
function refusesSort(err: unknown): boolean {
  return err instanceof ExpereoApiError && (err.status === 400 || err.status === 422);
}

/** BullMQ runs jobs without a priority before prioritised ones: changes first, baselines after. */
export const BASELINE_PRIORITY = 10;

export async function addFetches(queue: Queue, jobs: FetchJob[], priority?: number): Promise<void> {
  if (jobs.length === 0) return;
  const opts = { ...jobOptions('mirror-fetch', 'fetch'), ...(priority ? { priority } : {}) };
  await queue.addBulk(jobs.map((data) => ({ name: 'fetch', data: jobData('mirror-fetch', 'fetch', data), opts: { ...opts, jobId: fetchJobId(data.caseId) } })));
}
