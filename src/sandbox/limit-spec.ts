// Parses rate limits written as `N/duration`: `3/1s`, `30/1m`, `30/3s`, `100/500ms`, `5/s`.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export interface LimitSpec {
  limit: number;
  periodMs: number;
}

export function parseLimitSpec(text: string): LimitSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h)\s*$/.exec(text);
  const unit = match?.[3] as keyof typeof UNIT_MS | undefined;
  const limit = Number(match?.[1]);
  const periodMs = Number(match?.[2] ?? '1') * (unit === undefined ? Number.NaN : UNIT_MS[unit]);
  if (match === null || !(limit > 0) || !(periodMs > 0)) {
    throw new Error(`invalid rate limit '${text}': expected N/duration such as 3/1s, 30/1m or 100/500ms`);
  }
  return { limit, periodMs };
}

export function formatLimitSpec({ limit, periodMs }: LimitSpec): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (periodMs % UNIT_MS[unit] === 0) return `${limit}/${periodMs / UNIT_MS[unit]}${unit}`;
  }
  return `${limit}/${periodMs}ms`;
}
