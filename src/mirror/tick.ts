import { setTimeout as sleep } from 'node:timers/promises';
import { nextBeatStep } from './cadence.js';
import type { MirrorContext } from './mirror-context.js';
import { MIRROR_RESERVE } from './reads.js';
import { addFetches, scanRecent } from './scan-recent.js';

export type TickResult = { mode: 'recent' | 'per-case'; fetches: number };
export type BeatResult = TickResult & { scans: number };

/**
 * One scheduled beat: a tick, then, while the poller's read budget is spare, more recent-first
 * scans until the next scheduled beat is near (cadence.ts: nextBeatStep). Per-case polling keeps
 * its own timetable and scans once.
 */
export async function beat(ctx: MirrorContext, signal?: AbortSignal): Promise<BeatResult> {
  const s = ctx.settings;
  const started = ctx.now();
  const first = await tick(ctx, signal);
  const result: BeatResult = { ...first, scans: 1 };
  if (first.mode !== 'recent' || s.scanFloorMs >= s.scanEveryMs) return result;
  let lastScan = started;
  for (;;) {
    const spacing = lastScan + s.scanFloorMs - ctx.now();
    if (spacing > 0) await sleep(spacing, undefined, { signal });
    const [room, pending] = await Promise.all([ctx.reads.room(), ctx.queues.fetch.getJobCounts('waiting', 'prioritized', 'active', 'delayed')]);
    const step = nextBeatStep({
      elapsedMs: ctx.now() - started,
      beatMs: s.scanEveryMs,
      floorMs: s.scanFloorMs,
      paceMs: ctx.reads.paceMs,
      pendingFetches: Object.values(pending).reduce((a, b) => a + b, 0),
      pollerRemaining: room.remaining,
      pollerReserve: MIRROR_RESERVE,
      peopleReading: room.peopleReading,
    });
    if (step.kind === 'stop') return result;
    if (step.kind === 'wait') {
      await sleep(step.ms, undefined, { signal });
      continue;
    }
    lastScan = ctx.now();
    const next = await tick(ctx, signal);
    result.scans += 1;
    result.fetches += next.fetches;
    if (next.mode !== 'recent') return result;
  }
}

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
