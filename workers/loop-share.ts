import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How much background work may run at once in a process that also answers webhooks (`ROLE=all`):
 * intake entries, and the batches of slots the write sweep checks.
 *
 * Draining an intake is background work: it can take every spare moment of the event loop, and
 * the webhooks that arrive meanwhile then wait behind it, turn after turn, until their senders time
 * out. So the background shares the loop by a measure of what the requests feel: the event loop's
 * delay. Each window the allowance (slots held at the same time, over the whole process) halves
 * when the delay went over the target and grows by one when it stayed well under it; at one entry and still over, a pause between entries doubles up to `maxPauseMs`, so that the
 * intake always moves, at least one entry per pause. A process without requests (`ROLE=worker`)
 * does not share: its readers and sweep run at full parallelism.
 */
export interface LoopShareSettings {
  /** Event-loop delay (ms) the requests may see at most, in a window. */
  targetDelayMs: number;
  /** The most entries at once (the readers' own parallelism). */
  maxAllowance: number;
  maxPauseMs: number;
  windowMs: number;
}

export const LOOP_SHARE_DEFAULTS: LoopShareSettings = { targetDelayMs: 8, maxAllowance: 32, maxPauseMs: 50, windowMs: 100 };

export interface LoopShareState {
  allowance: number;
  pauseMs: number;
}

/** The next window's allowance and pause, from the largest loop delay seen in the last one. */
export function nextShare(s: LoopShareState, delayMs: number, o: LoopShareSettings): LoopShareState {
  if (delayMs > o.targetDelayMs) {
    if (s.allowance > 1) return { allowance: Math.max(1, Math.floor(s.allowance / 2)), pauseMs: 0 };
    return { allowance: 1, pauseMs: Math.min(o.maxPauseMs, Math.max(1, s.pauseMs * 2)) };
  }
  if (delayMs > o.targetDelayMs / 2) return s;
  if (s.pauseMs > 0) return { allowance: s.allowance, pauseMs: s.pauseMs >= 2 ? Math.floor(s.pauseMs / 2) : 0 };
  return { allowance: Math.min(o.maxAllowance, s.allowance + 1), pauseMs: 0 };
}

/** A slot for one entry; `release` when it is handled. */
export interface LoopSlots {
  take(): Promise<void>;
  release(): void;
  close(): void;
}

/** Every reader takes a slot per entry: unlimited in a process that does not share its loop. */
export const UNSHARED: LoopSlots = { take: async () => undefined, release: () => undefined, close: () => undefined };

export class LoopShare implements LoopSlots {
  private state: LoopShareState;
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly resolutionMs: number;

  constructor(private readonly o: LoopShareSettings = LOOP_SHARE_DEFAULTS) {
    this.state = { allowance: Math.max(1, Math.floor(o.maxAllowance / 4)), pauseMs: 0 };
    this.resolutionMs = Math.max(1, Math.floor(o.targetDelayMs / 4));
    this.histogram = monitorEventLoopDelay({ resolution: this.resolutionMs });
    this.histogram.enable();
    this.timer = setInterval(() => this.adjust(), o.windowMs);
    this.timer.unref();
  }

  get current(): Readonly<LoopShareState> {
    return this.state;
  }

  async take(): Promise<void> {
    // Give the loop a turn before each entry: the answers waiting on it go first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.state.pauseMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, this.state.pauseMs));
    if (this.busy < this.state.allowance) {
      this.busy++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Passes the slot on to the next waiting, unless the allowance shrank below what is held. */
  release(): void {
    const next = this.busy <= this.state.allowance ? this.waiting.shift() : undefined;
    if (next) next();
    else this.busy--;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
    this.state = { ...this.state, allowance: Number.POSITIVE_INFINITY, pauseMs: 0 };
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) next();
  }

  private adjust(): void {
    // The histogram records each interval of its own timer: the delay is what exceeds its resolution.
    const delayMs = Math.max(0, this.histogram.max / 1e6 - this.resolutionMs);
    this.histogram.reset();
    this.state = nextShare(this.state, delayMs, this.o);
    while (this.busy < this.state.allowance && this.waiting.length > 0) {
      this.busy++;
      this.waiting.shift()!();
    }
  }
}

/** Entries read per round by readers that share the loop: a round's entries are parsed at once. */
const SHARED_BATCH = 50;

/** A reader's options for `slots`: the slots and a smaller round (none: the reader's defaults). */
export function sharedReading(slots: LoopSlots | undefined): { slots?: LoopSlots; batch?: number } {
  return slots ? { slots, batch: SHARED_BATCH } : {};
}
