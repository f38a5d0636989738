import type { MirrorContext } from './mirror-context.js';
import { addFetches, scanRecent } from './scan-recent.js';

export type TickResult = { mode: 'recent' | 'per-case'; fetches: number };

/**
 * One beat of the poller. "recent" scans the case list for changes; "per-case" hands out the cases
 * whose adaptive interval is up; "auto" scans and falls back to per-case polling for a while when
 * the API refuses the sort.
 */
export async function tick(ctx: MirrorContext, signal?: AbortSignal): Promise<TickResult> {
  const { strategy } = ctx.settings;
  if (strategy === 'per-case' || (strategy === 'auto' && (await ctx.schedule.perCaseFallback()))) {
    return { mode: 'per-case', fetches: await tickPerCase(ctx) };
  }
  const scan = await scanRecent(ctx, signal);
  if (scan.usable) {
    // Back from a fallback: the per-case timetable is no longer used.
    await ctx.schedule.clear();
    return { mode: 'recent', fetches: scan.fetches };
  }
  if (strategy === 'recent') {
    ctx.log.error({ reason: scan.reason }, 'recent-first scan unusable and MIRROR_STRATEGY=recent: nothing is mirrored (use auto or per-case)');
    return { mode: 'recent', fetches: 0 };
  }
  ctx.log.warn({ reason: scan.reason, forMs: ctx.settings.fallbackMs }, 'recent-first scan unusable: polling each linked case instead');
  await ctx.schedule.fallBackToPerCase(scan.reason, ctx.settings.fallbackMs);
  return { mode: 'per-case', fetches: await tickPerCase(ctx) };
}

/**
 * Per-case polling: puts newly linked cases on the timetable (due at once), then queues a look at
 * every case that is due, no more per beat than the poller's pace can serve in two beats.
 */
export async function tickPerCase(ctx: MirrorContext): Promise<number> {
  const s = ctx.settings;
  const now = ctx.now();
  const linked = await ctx.sync.linkedCases();
  const fresh = await ctx.schedule.reconcile(linked, now);
  await ctx.cursors.init(fresh, now - s.lookbackMs, now);
  const limit = Math.max(1, Math.ceil(s.readsPerMs * s.scanEveryMs * 2));
  const due = await ctx.schedule.claimDue(now, s.idleIntervalMs, limit);
  await addFetches(
    ctx.queues.fetch,
    due.map((caseId) => ({ caseId })),
  );
  return due.length;
}
