import { isClosedStatus } from './cadence.js';
import { sameInstant, toMs } from './instants.js';
import type { CaseInfo, FetchJob } from './jobs.js';

/** What the poller remembers about a case, as far as a scan needs it. */
export interface CursorView {
  exists: boolean;
  /** Undefined until the case has been looked at once (its baseline). */
  status: string | undefined;
  modified: string | undefined;
  closedChecks: number;
  /** A fetch failed for good: look at the case again even if the list says it did not change. */
  stale: boolean;
  /** When the cursor was started (ms): its first look has been queued since. */
  initAt: number | undefined;
}

/** A first look is queued and not overdue: scans neither page for the case nor queue it again. */
export function awaitingFirstLook(c: CursorView | undefined, nowMs: number, timeoutMs: number): boolean {
  return !!c && c.exists && c.status === undefined && !c.stale && c.initAt !== undefined && nowMs - c.initAt < timeoutMs;
}

export interface ScanItem {
  caseId: string;
  info: CaseInfo;
}

export interface ScanPlan {
  /** Linked cases seen for the first time: their cursor is started now. */
  init: string[];
  /** Cases to fetch; without `info` the fetch reads the case first (a baseline). */
  fetch: FetchJob[];
  /** Closed cases checked once more and unchanged: no longer tracked. */
  drop: string[];
}

/**
 * Is this page in most-recently-modified-first order? An API that ignores or refuses the sort gives
 * pages in some other order, or without the field: then change detection cannot work.
 */
export function isRecentFirst(items: readonly { lastModifiedDate?: string | null }[]): boolean {
  let previous = Number.POSITIVE_INFINITY;
  for (const item of items) {
    const at = toMs(item.lastModifiedDate);
    if (at === undefined || at > previous) return false;
    previous = at;
  }
  return true;
}

export interface PagingState {
  hasNext: boolean;
  /** lastModifiedDate of the last (oldest) item read so far. */
  oldest: string | null | undefined;
  watermark: string | undefined;
  /** Clock skew and commit lag upstream: the scan reads this much below the watermark. */
  slackMs: number;
  /** Linked cases that need a baseline and are not in the pages read so far. */
  missing: number;
  itemsRead: number;
  total: number | null;
  pagesRead: number;
  maxPages: number;
  pageSize: number;
}

/**
 * Whether the pages read cover every change since the last complete scan (`covered`), and whether
 * one more page is worth a read: to reach the watermark, or because the cases still missing a
 * baseline would cost more reads one by one than the remaining pages.
 */
export function nextPage(s: PagingState): { more: boolean; covered: boolean } {
  const oldest = toMs(s.oldest);
  const mark = toMs(s.watermark);
  const covered = !s.hasNext || (mark !== undefined && oldest !== undefined && oldest < mark - s.slackMs);
  if (!s.hasNext || s.pagesRead >= s.maxPages) return { more: false, covered };
  if (!covered) return { more: true, covered };
  if (s.missing === 0) return { more: false, covered };
  const pagesLeft = s.total === null ? undefined : Math.ceil(Math.max(0, s.total - s.itemsRead) / s.pageSize);
  return { more: pagesLeft === undefined ? s.missing >= 3 : pagesLeft > 0 && pagesLeft <= s.missing, covered };
}

/**
 * Decides, from the recent-first pages, which linked cases to fetch. A case in the pages is fetched
 * when its modification time or status moved since the cursor; a case absent from complete pages
 * did not change. Cases never looked at are fetched for a baseline (once: not while it is queued).
 */
export function planScan(input: {
  linked: readonly string[];
  cursors: ReadonlyMap<string, CursorView>;
  items: readonly ScanItem[];
  covered: boolean;
  hasWatermark: boolean;
  closedStatuses: readonly string[];
  nowMs: number;
  firstLookTimeoutMs: number;
}): ScanPlan {
  const byId = new Map<string, CaseInfo>();
  for (const item of input.items) if (!byId.has(item.caseId)) byId.set(item.caseId, item.info);
  const plan: ScanPlan = { init: [], fetch: [], drop: [] };
  for (const caseId of input.linked) {
    const c = input.cursors.get(caseId) ?? { exists: false, status: undefined, modified: undefined, closedChecks: 0, stale: false, initAt: undefined };
    if (!c.exists) plan.init.push(caseId);
    if (awaitingFirstLook(c, input.nowMs, input.firstLookTimeoutMs)) continue;
    const unknown = !c.exists || c.status === undefined || c.stale;
    const info = byId.get(caseId);
    const lingering = c.closedChecks >= 1 && isClosedStatus(c.status, input.closedStatuses);
    if (info) {
      const moved = !sameInstant(info.modified, c.modified) || (info.status ?? '') !== c.status;
      if (unknown || moved) plan.fetch.push({ caseId, info });
      else if (lingering) plan.drop.push(caseId);
    } else if (unknown || !input.hasWatermark) {
      plan.fetch.push({ caseId });
    } else if (input.covered && lingering) {
      plan.drop.push(caseId);
    }
  }
  return plan;
}
