import { afterEach, describe, expect, it } from 'vitest';
import { LOOP_SHARE_DEFAULTS, LoopShare, nextShare, type LoopShareSettings } from '../../workers/loop-share.js';

const o: LoopShareSettings = { targetDelayMs: 8, maxAllowance: 32, maxPauseMs: 50, windowMs: 100 };

describe('sharing the event loop with the requests (ROLE=all)', () => {
  it('halves the allowance when the loop delay went over the target, down to one entry at a time', () => {
    expect(nextShare({ allowance: 32, pauseMs: 0 }, 20, o)).toEqual({ allowance: 16, pauseMs: 0 });
    expect(nextShare({ allowance: 3, pauseMs: 0 }, 9, o)).toEqual({ allowance: 1, pauseMs: 0 });
  });

  it('at one entry and still over, pauses between entries, doubling up to the most, so that the intake always moves', () => {
    let s = { allowance: 1, pauseMs: 0 };
    const pauses: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = nextShare(s, 40, o);
      pauses.push(s.pauseMs);
    }
    expect(pauses).toEqual([1, 2, 4, 8, 16, 32, 50, 50]);
    expect(s.allowance).toBe(1);
  });

  it('well under the target, first shortens the pause to none, then grows one entry per window up to the readers’ parallelism', () => {
    let s = { allowance: 1, pauseMs: 50 };
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      s = nextShare(s, 1, o);
      seen.push(`${s.allowance}/${s.pauseMs}`);
    }
    expect(seen).toEqual(['1/25', '1/12', '1/6', '1/3', '1/1', '1/0', '2/0', '3/0']);
    expect(nextShare({ allowance: 32, pauseMs: 0 }, 0, o)).toEqual({ allowance: 32, pauseMs: 0 });
  });

  it('holds between half the target and the target', () => {
    expect(nextShare({ allowance: 5, pauseMs: 4 }, 6, o)).toEqual({ allowance: 5, pauseMs: 4 });
  });
});

describe('LoopShare', () => {
  let share: LoopShare | undefined;
  afterEach(() => share?.close());

  it('lets as many entries run at once as the allowance, the next taking the slot a finished one gives back', async () => {
    share = new LoopShare({ ...LOOP_SHARE_DEFAULTS, maxAllowance: 8, windowMs: 60_000 }); // allowance 2 (a quarter), no window in the test
    expect(share.current.allowance).toBe(2);
    const order: string[] = [];
    const takers = [1, 2, 3, 4].map((n) => share!.take().then(() => order.push(`took ${n}`)));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['took 1', 'took 2']);
    share.release();
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['took 1', 'took 2', 'took 3']);
    share.release();
    share.release();
    share.release();
    await Promise.all(takers);
    expect(order).toEqual(['took 1', 'took 2', 'took 3', 'took 4']);
  });

  it('cuts the allowance after the loop was held up', async () => {
    share = new LoopShare({ ...LOOP_SHARE_DEFAULTS, maxAllowance: 32, windowMs: 50 });
    expect(share.current.allowance).toBe(8);
    await new Promise((r) => setTimeout(r, 30)); // the delay monitor has taken its first sample
    // The event loop blocked for 60 ms, as a long synchronous task of the worker side would block it.
    const until = Date.now() + 60;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 120));
    expect(share.current.allowance).toBeLessThan(8);
  });

  it('lets every waiting entry go when closed', async () => {
    share = new LoopShare({ ...LOOP_SHARE_DEFAULTS, maxAllowance: 4, windowMs: 60_000 }); // allowance 1
    await share.take();
    let waiting = true;
    const last = share.take().then(() => (waiting = false));
    await new Promise((r) => setTimeout(r, 10));
    expect(waiting).toBe(true);
    share.close();
    await last;
    expect(waiting).toBe(false);
  });
});
