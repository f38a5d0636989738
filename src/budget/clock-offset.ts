/**
 * Where Redis's clock stands against this process's monotonic clock. Slots are times on Redis's
 * clock; a call must leave no earlier than its slot and only a little later, by this process's
 * clock. Each call to Redis read its clock somewhere between sending and hearing back, which
 * bounds the offset; together the bounds of the last minute bound it tightly (the fastest round
 * trip decides), even while many calls wait on one connection or the event loop is slow to hear
 * the answers. An old bound is widened by what two clocks may drift apart since (20 ppm); bounds
 * that no longer overlap mean a clock was stepped, and the newest one is kept.
 */
const KEEP_MS = 60_000;
const KEEP_SAMPLES = 64;
const DRIFT = 20e-6;

interface Sample {
  at: number;
  /** Redis time (µs) minus local time (µs): at least `low`, at most `high`, when taken. */
  low: number;
  high: number;
}

export class ClockOffset {
  private samples: Sample[] = [];

  /** A Redis call sent at `askedMs`, answered at `answeredMs` (performance.now()), read Redis's clock as `redisUs`. */
  observe(askedMs: number, answeredMs: number, redisUs: number): void {
    const sample = { at: answeredMs, low: redisUs - answeredMs * 1000, high: redisUs - askedMs * 1000 };
    const kept = this.samples.filter((s) => s.at > answeredMs - KEEP_MS);
    const { low, high } = bounds(kept, answeredMs);
    if (sample.low > high || sample.high < low) {
      this.samples = [sample];
      return;
    }
    kept.push(sample);
    // The narrowest are worth keeping; a wide one adds nothing to them.
    kept.sort((a, b) => a.high - a.low - (b.high - b.low));
    this.samples = kept.slice(0, KEEP_SAMPLES);
  }

  /** Whether the offset is known to within `us`. */
  within(us: number, nowMs: number): boolean {
    const { low, high } = bounds(this.samples, nowMs);
    return high - low <= us;
  }

  /** The local times (performance.now(), ms) between which Redis time `redisUs` falls here. */
  local(redisUs: number, nowMs: number): { earliest: number; latest: number } {
    const { low, high } = bounds(this.samples, nowMs);
    return { earliest: (redisUs - high) / 1000, latest: (redisUs - low) / 1000 };
  }
}

function bounds(samples: readonly Sample[], nowMs: number): { low: number; high: number } {
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  for (const s of samples) {
    const drift = (nowMs - s.at) * 1000 * DRIFT;
    low = Math.max(low, s.low - drift);
    high = Math.min(high, s.high + drift);
  }
  return { low, high };
}
