/** A rate written as `N/duration`, e.g. `30/1m`, `3/1s`, `30/3s`, `100/500ms`. */
export interface RateSpec {
  limit: number;
  periodMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration like `1m`, `3s`, `500ms`, `1.5s`; a bare unit (`m`) means one of it. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h)\s*$/.exec(text);
  if (!match) return undefined;
  const amount = match[1] === undefined ? 1 : Number(match[1]);
  const ms = amount * UNIT_MS[match[2]!]!;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

export function parseRateSpec(text: string): RateSpec | undefined {
  const match = /^\s*(\d+)\s*\/\s*(.+)$/.exec(text);
  if (!match) return undefined;
  const limit = Number(match[1]);
  const periodMs = parseDuration(match[2]!);
  if (!Number.isSafeInteger(limit) || limit < 1 || periodMs === undefined) return undefined;
  return { limit, periodMs };
}
