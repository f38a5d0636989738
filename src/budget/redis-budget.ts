import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { BridgeError } from '../errors.js';
import { budgetState, type BudgetState, type GcraParams } from './gcra.js';
import { runScript } from '../redis.js';

/**
 * Reserves the next slot atomically with Redis's clock, so that every process sharing the key
 * shares one pace. Returns { granted, waitUs, the reservation's id (its arrival time) }. A reservation whose wait would
 * exceed the caller's bound is not made.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2]) - tonumber(ARGV[5])
local maxWait = tonumber(ARGV[3])
local period = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > maxWait then return {0, wait, tat - now} end
local maxAhead = tonumber(ARGV[6])
if maxAhead >= 0 and wait > maxAhead then return {2, wait - maxAhead, 0} end
local newTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + period / 1000)
redis.call('ZADD', KEYS[2], now + wait, string.format('%.0f', newTat))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - period)
redis.call('PEXPIRE', KEYS[2], math.ceil(period / 500) + math.ceil(wait / 1000))
return {1, wait, string.format('%.0f', newTat)}
`;

/** Gives a reservation back if nothing was reserved after it (a cancelled wait). */
const REFUND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], string.format('%.0f', tonumber(ARGV[1]) - tonumber(ARGV[2])), 'KEEPTTL')
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

const STATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local used = redis.call('ZCOUNT', KEYS[2], now - tonumber(ARGV[1]), now)
return {string.format('%.0f', tat), string.format('%.0f', now), used}
`;

/** Pushes the next free slot to at least `ARGV[1]` µs from now (after a 429 with Retry-After). */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < target then
  redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', math.ceil((target - now) / 1000) + 60000)
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
   * caller arriving meanwhile is not queued behind this one's reservation.
   */
  maxAheadMs?: number;
}

export class RedisBudget {
  private readonly logKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly params: GcraParams,
    readonly name: string,
  ) {
    this.logKey = `${key}:log`;
  }

  /** Waits for a slot; resolves when the call may be sent. */
  async acquire(options: AcquireOptions): Promise<void> {
    options.signal?.throwIfAborted();
    const { intervalUs, toleranceUs, periodUs } = this.params;
    const deadline = Date.now() + Math.max(0, options.maxWaitMs);
    let granted: number;
    let waitUs: number;
    let reservation: string | number;
    for (;;) {
      [granted, waitUs, reservation] = (await runScript(this.redis, 
        RESERVE,
        2,
        this.key,
        this.logKey,
        intervalUs,
        toleranceUs,
        Math.max(0, deadline - Date.now()) * 1000,
        periodUs,
        Math.min(options.holdBackUs ?? 0, toleranceUs),
        options.maxAheadMs === undefined ? -1 : options.maxAheadMs * 1000,
      )) as [number, number, string | number];
      if (granted !== 2) break;
      await sleep(Math.max(1, Math.ceil(waitUs / 1000)), undefined, { signal: options.signal });
    }
    if (granted !== 1) throw new BudgetWaitError(this.name, Math.ceil(waitUs / 1000));
    if (waitUs <= 0) return;
    try {
      await sleep(Math.ceil(waitUs / 1000), undefined, { signal: options.signal });
    } catch (err) {
      // The reservation is ours until its slot passes; hand it back so the pace is not lost.
      await runScript(this.redis, REFUND, 2, this.key, this.logKey, String(reservation), intervalUs).catch(() => undefined);
      throw err;
    }
  }

  async state(): Promise<BudgetState> {
    const [tat, now, used] = (await runScript(this.redis, STATE, 2, this.key, this.logKey, this.params.periodUs)) as [
      string,
      string,
      number,
    ];
    return budgetState(this.params, Number(tat), Number(now), used);
  }

  /** No slot is granted for the next `ms` (the upstream said so with a 429). */
  async pause(ms: number): Promise<void> {
    await runScript(this.redis, PAUSE, 1, this.key, Math.ceil(ms * 1000), this.params.toleranceUs);
  }

  /** Forgets all reservations (tests and admin resets). */
  async reset(): Promise<void> {
    await this.redis.del(this.key, this.logKey);
  }
}
