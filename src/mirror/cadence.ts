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
