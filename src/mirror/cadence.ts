/** How often a case is looked at, and when a closed one is let go. Pure: times are passed in. */

export interface CadenceSettings {
  activeIntervalMs: number;
  idleIntervalMs: number;
}

/**
 * Per-case polling: a case that changed recently is polled at the active pace; a quiet one backs
 * off in proportion to how long it has been quiet (a quarter of it), up to the idle interval. A
 * reply usually follows another reply within minutes, and rarely after hours of silence.
 */
export function pollDelayMs(nowMs: number, changedAtMs: number | undefined, s: CadenceSettings): number {
  const quietMs = changedAtMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, nowMs - changedAtMs);
  const active = Math.min(s.activeIntervalMs, s.idleIntervalMs);
  return Math.round(Math.min(s.idleIntervalMs, Math.max(active, quietMs / 4)));
}

export function isClosedStatus(status: string | null | undefined, closedStatuses: readonly string[]): boolean {
  if (!status) return false;
  const s = status.trim().toLowerCase();
  return closedStatuses.some((c) => c.trim().toLowerCase() === s);
}

/**
 * A case seen closed is checked once more (a last message often follows the closing), then
 * dropped. `closedChecks` counts the checks that found it closed.
 */
export function closedStep(previousChecks: number, closedNow: boolean): { closedChecks: number; drop: boolean } {
  if (!closedNow) return { closedChecks: 0, drop: false };
  return { closedChecks: previousChecks + 1, drop: previousChecks >= 1 };
}

/** What the poller's budgets and queues look like between two scans of one beat. */
export interface BeatView {
  /** Since the scheduled beat began. */
  elapsedMs: number;
  /** The slow beat (MIRROR_SCAN_EVERY): the next scheduled scan comes this long after the last. */
  beatMs: number;
  /** The fast beat's limit (MIRROR_SCAN_FLOOR). */
  floorMs: number;
  /** The poller's pace: one read every this many ms on average. */
  paceMs: number;
  /** Fetches queued and not done: they need the budget more than another scan does. */
  pendingFetches: number;
  /** Reads the poller's own budget grants right now. */
  pollerRemaining: number;
  /** Reads the poller keeps in hand for the fetches a scan may find. */
  pollerReserve: number;
  /** Whether people's reads are using their share of the shared budget right now. */
  peopleReading: boolean;
}

export type BeatStep = { kind: 'scan' } | { kind: 'wait'; ms: number } | { kind: 'stop' };

/**
 * The fast beat. The limit on how often the poller can look for changes is its read budget, not
 * a fixed beat: one sorted scan read finds every changed case, so while fetches are not waiting
 * and people are not reading, the spare budget buys another scan (no closer than the floor), and
 * the poller keeps a few reads in hand for what the scan finds. While fetches wait, people read or
 * only the reserve is left, it looks again a pace later; near the next scheduled beat (the slow
 * beat) it stops and leaves the scan to that one.
 */
export function nextBeatStep(v: BeatView): BeatStep {
  const busy = v.pendingFetches > 0 || v.peopleReading || v.pollerRemaining <= v.pollerReserve;
  const wait = busy ? Math.max(v.floorMs, v.paceMs) : 0;
  if (v.elapsedMs + wait + v.floorMs >= v.beatMs) return { kind: 'stop' };
  return wait === 0 ? { kind: 'scan' } : { kind: 'wait', ms: wait };
}
