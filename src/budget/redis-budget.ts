import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { BridgeError } from '../errors.js';
import { ClockOffset } from './clock-offset.js';
import { budgetState, isPaced, type BudgetState, type GcraParams } from './gcra.js';
import { runScript } from '../redis.js';

/**
 * Reserves the next slot atomically with Redis's clock, so that every process sharing the key
 * shares one pace: the GCRA pace when the budget is paced (ARGV[10]; KEYS[1] holds the theoretical
 * arrival time, which also makes each reservation's id), the window rule with its gap (KEYS[2]
 * holds every booked slot, past and future, as score = slot time; window.ts explains the search:
 * windowFit, then slotFit), and a pause after a 429 (KEYS[3]: no slot before it). Returns
 * { 1 granted, waitUs, the reservation's id }, { 0, waitUs } when the wait would exceed the
 * caller's bound, or { 2, µs to wait before asking again } when the slot would be further ahead
 * than the caller books; each with Redis's clock last.
 */
const RESERVE = `
local function f(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local holdBack = tonumber(ARGV[5])
local tolerance = tonumber(ARGV[2]) - holdBack
local maxWait = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local window = tonumber(ARGV[7])
local capacity = math.max(1, tonumber(ARGV[8]) - math.floor(holdBack / interval))
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local at = now
if ARGV[10] == '1' and tat - tolerance > at then at = tat - tolerance end
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > at then at = paused end
local gap = tonumber(ARGV[9])
while true do
  local near = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. f(at - window), '(' .. f(at + window), 'WITHSCORES')
  local n = #near / 2
  local fits = true
  if n >= capacity then
    local v = {}
    local p = 0
    for i = 1, n do
      local s = tonumber(near[2 * i])
      if s <= at then p = i end
      v[#v + 1] = s
    end
    table.insert(v, p + 1, at)
    for i = math.max(1, p + 1 - capacity), p + 1 do
      local j = i + capacity
      if j <= n + 1 and v[j] - v[i] < window then
        fits = false
        break
      end
    end
  end
  if not fits then
    at = tonumber(near[2]) + window
  else
    local close = {}
    if gap > 0 then close = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. f(at - gap), '(' .. f(at + gap), 'WITHSCORES') end
    if #close == 0 then break end
    at = tonumber(close[#close]) + gap
  end
end
local wait = at - now
if wait > maxWait then return {0, wait, 0, f(now)} end
local maxAhead = tonumber(ARGV[6])
if maxAhead >= 0 and wait > maxAhead then return {2, wait - maxAhead, 0, f(now)} end
local newTat = math.max(tat, at) + interval
local id = f(newTat)
-- Lua prints numbers with 14 digits: every time goes to Redis as a string of whole µs.
redis.call('SET', KEYS[1], id, 'PX', f(math.ceil((newTat - now) / 1000) + math.ceil(keep / 1000)))
redis.call('ZADD', KEYS[2], f(at), id)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. f(now - keep))
redis.call('PEXPIRE', KEYS[2], f(math.ceil((wait + keep) / 1000) + 1000))
return {1, wait, id, f(now)}
`;

/** Gives a reservation back: its slot leaves the window, and the pace too if nothing was reserved after it. */
const REFUND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], string.format('%.0f', tonumber(ARGV[1]) - tonumber(ARGV[2])), 'KEEPTTL')
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** The pace, the clock, the grants of the last period, and every slot booked from a window ago on. */
const STATE = `
local function f(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = redis.call('GET', KEYS[3]) or '0'
local used = redis.call('ZCOUNT', KEYS[2], '(' .. f(now - tonumber(ARGV[1])), f(now))
local booked = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. f(now - tonumber(ARGV[2])), '+inf', 'WITHSCORES')
local slots = {}
for i = 2, #booked, 2 do slots[#slots + 1] = booked[i] end
return {string.format('%.0f', tat), string.format('%.0f', now), used, slots, paused}
`;

/** Pushes the next free slot to at least `ARGV[1]` µs from now (after a 429 with Retry-After). */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused < target then
  redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', string.format('%.0f', math.ceil(tonumber(ARGV[1]) / 1000) + 1000))
end
return 1
`;

export class BudgetWaitError extends BridgeError {
  constructor(
    readonly budget: string,
    readonly waitMs: number,
  ) {
    super('budget_wait_exceeded', `${budget} budget: next slot in ${waitMs} ms, beyond the allowed wait`);
  }
}

export interface AcquireOptions {
  /** Longest the caller will wait for a slot; a longer wait fails at once with BudgetWaitError. */
  maxWaitMs: number;
  signal?: AbortSignal;
  /** Burst headroom (µs of pace) this caller must leave to others: lower-priority callers set it. */
  holdBackUs?: number;
  /**
   * Book no slot further ahead than this (ms): wait without booking instead, so that a more urgent
   * caller arriving meanwhile is not queued behind this one's reservation. A budget that only the
   * window paces books at most half a window ahead unless told otherwise: a slot is placed a
   * window after the one it follows, so a slot given back frees its place for another call only
   * while the next window's slot behind it is not booked yet.
   */
  maxAheadMs?: number;
}

/** A granted slot: its time has come when `acquire` resolves. */
export interface Slot {
  /** The slot's time on Redis's clock (µs since the epoch). */
  readonly atUs: number;
  /** `performance.now()` after which the call must not be sent any more (it takes a new slot instead). */
  readonly sendBy: number;
  /** Hands the slot back unused (nothing was sent on it). Idempotent. */
  giveBack(): Promise<void>;
}

export class RedisBudget {
  private readonly logKey: string;
  private readonly pauseKey: string;
  private readonly clock = new ClockOffset();
  private calibrating: Promise<void> | undefined;
  private calibratedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly params: GcraParams,
    readonly name: string,
  ) {
    this.logKey = `${key}:log`;
    this.pauseKey = `${key}:pause`;
    // Learn Redis's clock while the process is quiet, before the first call needs it.
    if (params.lateUs > 0) void this.calibrate();
  }

  /**
   * A few round trips of Redis TIME, one after another, to bound its clock tightly (single flight,
   * at most once a second: a Redis farther away than that never bounds it better). A budget whose
   * calls need no sending deadline never needs it.
   */
  private calibrate(): Promise<void> {
    if (this.calibrating === undefined && performance.now() - this.calibratedAt < 1000) return Promise.resolve();
    this.calibrating ??= (async () => {
      for (let i = 0; i < 3; i++) {
        const asked = performance.now();
        const [seconds, micros] = await this.redis.time();
        this.clock.observe(asked, performance.now(), Number(seconds) * 1_000_000 + Number(micros));
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.calibrating = undefined;
        this.calibratedAt = performance.now();
      });
    return this.calibrating;
  }

  /** How long booked slots are kept: a window for the rule, a period for "used". */
  private get keepUs(): number {
    return Math.max(this.params.windowUs, this.params.periodUs);
  }

  /** Waits for a slot; resolves when the call may be sent, and no earlier. */
  async acquire(options: AcquireOptions): Promise<Slot> {
    options.signal?.throwIfAborted();
    const { intervalUs, toleranceUs, capacity, windowUs, lateUs, gapUs } = this.params;
    const maxAheadMs = options.maxAheadMs ?? (isPaced(this.params) ? undefined : windowUs / 2000);
    const deadline = Date.now() + Math.max(0, options.maxWaitMs);
    if (lateUs > 0 && !this.clock.within(lateUs / 4, performance.now())) await this.calibrate();
    let granted: number;
    let waitUs: number;
    let reservation: string | number;
    let redisNow: string;
    for (;;) {
      const asked = performance.now();
      [granted, waitUs, reservation, redisNow] = (await runScript(
        this.redis,
        RESERVE,
        3,
        this.key,
        this.logKey,
        this.pauseKey,
        intervalUs,
        toleranceUs,
        Math.max(0, deadline - Date.now()) * 1000,
        this.keepUs,
        Math.min(options.holdBackUs ?? 0, toleranceUs),
        maxAheadMs === undefined ? -1 : maxAheadMs * 1000,
        windowUs,
        capacity,
        gapUs,
        isPaced(this.params) ? 1 : 0,
      )) as [number, number, string | number, string];
      this.clock.observe(asked, performance.now(), Number(redisNow));
      if (granted !== 2) break;
      await sleep(Math.max(1, Math.ceil(waitUs / 1000)), undefined, { signal: options.signal });
    }
    if (granted !== 1) throw new BudgetWaitError(this.name, Math.ceil(waitUs / 1000));
    const at = this.clock.local(Number(redisNow) + waitUs, performance.now());
    const notBefore = at.latest;
    let given = false;
    const slot: Slot = {
      atUs: Number(redisNow) + waitUs,
      sendBy: at.earliest + lateUs / 1000,
      giveBack: async () => {
        if (given) return;
        given = true;
        await runScript(this.redis, REFUND, 2, this.key, this.logKey, String(reservation), intervalUs).catch(() => undefined);
      },
    };
    try {
      // A timer may fire a little early by the monotonic clock; a call sent before its slot is as
      // bad as a late one.
      for (let left = notBefore - performance.now(); left > 0; left = notBefore - performance.now()) {
        await sleep(Math.ceil(left), undefined, { signal: options.signal });
      }
    } catch (err) {
      // The reservation is ours until its slot passes; hand it back so the pace is not lost.
      await slot.giveBack();
      throw err;
    }
    return slot;
  }

  async state(): Promise<BudgetState> {
    const [tat, now, used, booked, paused] = (await runScript(
      this.redis,
      STATE,
      3,
      this.key,
      this.logKey,
      this.pauseKey,
      this.params.periodUs,
      this.params.windowUs,
    )) as [string, string, number, string[], string];
    return budgetState(this.params, Number(tat), Number(now), used, booked.map(Number), Number(paused));
  }

  /** No slot is granted for the next `ms` (the upstream said so with a 429). */
  async pause(ms: number): Promise<void> {
    await runScript(this.redis, PAUSE, 1, this.pauseKey, Math.ceil(ms * 1000));
  }

  /** Forgets all reservations (tests and admin resets). */
  async reset(): Promise<void> {
    await this.redis.del(this.key, this.logKey, this.pauseKey);
  }
}
