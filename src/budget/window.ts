/**
 * The sliding-window rule of a budget: at most `capacity` slots in any half-open window of
 * `windowUs`, that is, any capacity + 1 slots span at least `windowUs`. RESERVE in redis-budget.ts
 * runs the same search in Lua.
 */

/**
 * The earliest time ≥ `from` at which one more slot keeps the rule, given the slots already booked
 * (ascending, past and future; they keep the rule themselves).
 *
 * A candidate fails when some run of capacity + 1 slots containing it spans less than the window.
 * Every time between a failing candidate and the first booked slot of its window plus the window
 * fails too (the same run, or one that starts at that first slot, still fits in less than a
 * window), so the search jumps there and looks again; each jump leaves one booked slot behind.
 */
export function windowFit(booked: readonly number[], from: number, capacity: number, windowUs: number): number {
  let at = from;
  for (let start = 0; ; ) {
    while (start < booked.length && booked[start]! <= at - windowUs) start++;
    const near: number[] = [];
    for (let i = start; i < booked.length && booked[i]! < at + windowUs; i++) near.push(booked[i]!);
    if (fits(near, at, capacity, windowUs)) return at;
    at = near[0]! + windowUs;
  }
}

/**
 * windowFit, and no closer than `gapUs` to any booked slot: a burst's calls are spread a little,
 * so that a process sends them one after another rather than all in one turn of its event loop,
 * where the last would leave late.
 */
export function slotFit(booked: readonly number[], from: number, capacity: number, windowUs: number, gapUs: number): number {
  let at = from;
  for (;;) {
    at = windowFit(booked, at, capacity, windowUs);
    const close = booked.filter((b) => b > at - gapUs && b < at + gapUs);
    if (close.length === 0) return at;
    at = Math.max(...close) + gapUs;
  }
}

/** Whether a slot at `at` keeps the rule among `near` (the booked slots within a window of it, ascending). */
function fits(near: readonly number[], at: number, capacity: number, windowUs: number): boolean {
  if (near.length < capacity) return true;
  let p = 0;
  while (p < near.length && near[p]! <= at) p++;
  // The runs of capacity + 1 that contain the new slot, at index p of near-with-it.
  const value = (i: number): number => (i < p ? near[i]! : i === p ? at : near[i - 1]!);
  for (let i = Math.max(0, p - capacity); i <= p; i++) {
    const j = i + capacity;
    if (j <= near.length && value(j) - value(i) < windowUs) return false;
  }
  return true;
}

/** How many slots could be booked at `at` itself, one after another (at most `limit`). */
export function slotsFreeAt(booked: readonly number[], at: number, capacity: number, windowUs: number, limit: number): number {
  const all = [...booked];
  let n = 0;
  while (n < limit && windowFit(all, at, capacity, windowUs) === at) {
    let i = all.length;
    while (i > 0 && all[i - 1]! > at) i--;
    all.splice(i, 0, at);
    n++;
  }
  return n;
}
