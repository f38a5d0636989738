import { Redis } from 'ioredis';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { eventually, sandboxCalls, type TestBridge } from './bridge.js';
import type { PathRun, Setup } from './crash-intakes.js';
import { startFaultProxy, type FaultMode, type FaultProxy, type RoundTrip } from './redis-fault-proxy.js';
import { OwnRedis } from './redis-server.js';

/**
 * Runs of an intake's path for test/integration/crash-points.test.ts: clean ones that record the
 * round trips, and ones with Redis restarted at a given step (or at two, one after the other).
 */

export const DEBUG = process.env.CRASH_POINTS_DEBUG === '1';
export const WITHIN_MS = 10_000;
/** After an effect: the write recorded as sent, the slot unlocked, the job finished, the outcome told. */
const SETTLE_MS = 600;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Harness {
  name: string;
  proxy: FaultProxy;
  bridge: TestBridge;
  /** A connection of the test's own, past the proxy. */
  direct: Redis;
  /** A fresh event of this intake. */
  next(n: number): PathRun;
  close(): Promise<void>;
}

/** An intake's bridge behind a fault proxy, in front of a redis-server of its own. */
export async function harness(name: string, setup: Setup): Promise<Harness> {
  const redis = await OwnRedis.start();
  const proxy = await startFaultProxy({ port: redis.port }, { outage: () => redis.restart(100) });
  const direct = new Redis(redis.url, { maxRetriesPerRequest: null });
  direct.on('error', () => undefined);
  const made = await setup(proxy.url);
  return {
    name,
    proxy,
    bridge: made.bridge,
    direct,
    next: (n) => made.next(n, direct),
    close: async () => {
      await made.bridge.close();
      await made.close?.();
      await proxy.close();
      direct.disconnect();
      await redis.close();
    },
  };
}

export async function callsSince(h: Harness, seq: number): Promise<CallRecord[]> {
  const res = await fetch(`${h.bridge.sandbox.baseUrl}/sandbox/calls?since=${seq}`);
  return ((await res.json()) as { calls: CallRecord[] }).calls;
}

export async function lastSeq(h: Harness): Promise<number> {
  return (await sandboxCalls(h.bridge.sandbox)).at(-1)?.seq ?? 0;
}

/** One clean run: every round trip from sending the event until its effect is upstream and the bridge is done with it. */
export async function record(h: Harness, n: number): Promise<RoundTrip[]> {
  const since = await lastSeq(h);
  const run = h.next(n);
  h.proxy.clearLog();
  await run.send();
  await eventually(async () => run.effects(await callsSince(h, since)) === 1, 20_000, 50);
  await sleep(SETTLE_MS);
  return h.proxy.log();
}

/** A step of a path: the k-th round trip with this signature since the event was sent. */
export interface Step {
  signature: string;
  k: number;
}

export function steps(log: RoundTrip[]): Step[] {
  const seen = new Map<string, number>();
  return log.map((rt) => {
    const k = (seen.get(rt.signature) ?? 0) + 1;
    seen.set(rt.signature, k);
    return { signature: rt.signature, k };
  });
}

/** Reads change nothing: Redis going away before one or after it is the same fault. */
const READ_ONLY = /^(GET|MGET|HGET|HMGET|HGETALL|EXISTS|LRANGE|LLEN|SMEMBERS|SCARD|SISMEMBER|SMISMEMBER|ZCARD|ZRANGE|ZSCORE|XRANGE|XLEN|PTTL|TTL|PING|INFO)\b/;

export function modesOf(step: Step): FaultMode[] {
  const lines = step.signature.slice(step.signature.indexOf(': ') + 2).split(' | ');
  return lines.every((l) => READ_ONLY.test(l)) ? ['before'] : ['before', 'after'];
}

export interface Outcome {
  h: Harness;
  n: number;
  step: Step;
  mode: FaultMode;
  /** Undefined: the step did not come up in this run. */
  hit?: RoundTrip;
  /** Neither the step nor the effect came within 20 s. */
  stuck?: boolean;
  owed?: boolean;
  /** Effects in the sandbox's record once the sender was answered and the effect came or 10 s passed. */
  effects?: number;
  /** From Redis answering again to the effect (0 if it was already there); undefined: not within 10 s. */
  latencyMs?: number;
}

export const show = (o: Outcome) =>
  `${o.mode} ${o.step.signature} #${o.step.k}: ${
    o.hit
      ? `${o.owed ? '' : 'not owed, '}effects ${o.effects}, ${o.latencyMs === undefined ? 'not within 10 s' : `after ${o.latencyMs} ms`}`
      : o.stuck
        ? 'stuck'
        : 'not reached'
  }`;

/** What the proxy saw after a fault, and where the write's state stood (when investigating). */
async function explain(h: Harness, o: Outcome, fault: { hit: RoundTrip; backAt: number }): Promise<void> {
  const p = h.bridge.prefix;
  const state = {
    locks: await Promise.all((await h.direct.keys(`${p}:w:lock:*`)).map(async (k) => [k, await h.direct.get(k), await h.direct.pttl(k)])),
    active: await h.direct.lrange(`${p}:q:writes:active`, 0, -1),
    delayed: await h.direct.zrange(`${p}:q:writes:delayed`, 0, -1),
    prioritized: await h.direct.zrange(`${p}:q:writes:prioritized`, 0, -1),
    failed: await h.direct.zrange(`${p}:q:writes:failed`, 0, -1),
    slots: await h.direct.smembers(`${p}:w:slots`),
    dead: await Promise.all((await h.direct.zrange(`${p}:w:dead`, 0, -1)).map((k) => h.direct.hmget(`${p}:w:e:${k}`, 'status', 'error', 'attempts'))),
  };
  const after = h.proxy.log().filter((rt) => rt.at >= fault.hit.at);
  console.log(
    `${h.name} ${show(o)} (back at +${fault.backAt - fault.hit.at} ms) ${JSON.stringify(state)}\n${after.map((rt) => `+${rt.at - fault.hit.at} ${rt.signature}`).join('\n')}`,
  );
}

/** Runs the path with Redis going away at `step`: what the sandbox shows afterwards. */
export async function faultRun(h: Harness, n: number, step: Step, mode: FaultMode): Promise<Outcome> {
  const since = await lastSeq(h);
  const run = h.next(n);
  const seen = new Map<string, number>();
  h.proxy.clearLog();
  const hit = h.proxy.arm({
    mode,
    match: (rt) => {
      const k = (seen.get(rt.signature) ?? 0) + 1;
      seen.set(rt.signature, k);
      return rt.signature === step.signature && k === step.k;
    },
  });
  let answered = false;
  const sent = run.send().finally(() => (answered = true));
  let stop = false;
  let effectAt: number | undefined;
  const watching = (async () => {
    while (!stop && effectAt === undefined) {
      if (run.effects(await callsSince(h, since)) > 0) effectAt = Date.now();
      else await sleep(50);
    }
  })();
  const until = async (check: () => boolean) => {
    while (!check() && !stop) await sleep(20);
  };
  const settled = () => answered && effectAt !== undefined;
  try {
    let fault = await Promise.race([hit, until(settled).then(() => undefined), sleep(2 * WITHIN_MS).then(() => 'stuck' as const)]);
    if (fault === 'stuck') {
      h.proxy.disarm();
      return { h, n, step, mode, stuck: true };
    }
    // The effect is in; the step may still come up in the bookkeeping after it.
    fault ??= await Promise.race([hit, sleep(SETTLE_MS).then(() => undefined)]);
    if (!fault) {
      h.proxy.disarm();
      await sent;
      return { h, n, step, mode };
    }
    const deadline = fault.backAt + WITHIN_MS;
    await sent;
    let owed = await run.owed();
    // An event told it did not go through owes nothing (its write did not get in): no need to wait it out.
    if (owed) await Promise.race([until(() => effectAt !== undefined), sleep(Math.max(0, deadline - Date.now()))]);
    else await sleep(SETTLE_MS);
    owed = await run.owed();
    const latencyMs = effectAt === undefined || effectAt > deadline ? undefined : Math.max(0, effectAt - fault.backAt);
    const outcome: Outcome = { h, n, step, mode, hit: fault.hit, owed, effects: run.effects(await callsSince(h, since)), latencyMs };
    if (DEBUG && (outcome.effects !== (owed ? 1 : 0) || (owed && latencyMs === undefined))) await explain(h, outcome, fault);
    return outcome;
  } finally {
    stop = true;
    await watching;
    await sleep(SETTLE_MS);
  }
}

/** The write's state in the outbox, read past the proxy. */
const statusOf = (h: Harness, run: PathRun) => h.direct.hget(`${h.bridge.prefix}:w:e:${run.writeKey}`, 'status');

/** Arms the proxy for `step` counted from now; resolves when it hit and Redis is back. */
function armAt(h: Harness, step: Step, mode: FaultMode) {
  const seen = new Map<string, number>();
  return h.proxy.arm({
    mode,
    match: (rt) => {
      const k = (seen.get(rt.signature) ?? 0) + 1;
      seen.set(rt.signature, k);
      return rt.signature === step.signature && k === step.k;
    },
  });
}

/** The first round trip after the write reached expereo: Redis restarted there, the write is out but not recorded. */
export async function justAfterUpstream(h: Harness, n: number): Promise<Step> {
  const since = await lastSeq(h);
  const log = await record(h, n);
  const write = (await callsSince(h, since)).find((c) => c.method === 'POST' && c.status < 300)!;
  const at = Date.parse(write.at) + write.durationMs;
  const i = log.findIndex((rt) => rt.at >= at);
  return steps(log)[i]!;
}

export interface Twice {
  h: Harness;
  step: Step;
  mode: FaultMode;
  hit?: RoundTrip;
  effects?: number;
  /** From Redis answering the second time to the write recorded as sent; undefined: not within 10 s. */
  latencyMs?: number;
}

export const showTwice = (o: Twice) =>
  `then ${o.mode} ${o.step.signature} #${o.step.k}: ${o.hit ? `effects ${o.effects}, ${o.latencyMs === undefined ? 'not recorded as sent within 10 s' : `recorded after ${o.latencyMs} ms`}` : 'not reached'}`;

/**
 * Redis restarted just after the write went upstream, and again at `second` (counted from its
 * return) while the flush recovers. With no `second`: the recovery's own round trips.
 */
export async function twice(h: Harness, n: number, first: Step, second?: { step: Step; mode: FaultMode }): Promise<Twice & { recovery?: RoundTrip[] }> {
  const since = await lastSeq(h);
  const run = h.next(n);
  h.proxy.clearLog();
  const firstHit = armAt(h, first, 'before');
  const sent = run.send();
  await Promise.race([firstHit, sleep(2 * WITHIN_MS).then(() => Promise.reject(new Error(`the first restart never came: ${first.signature}`)))]);
  const from = h.proxy.log().length;
  const secondHit = second ? armAt(h, second.step, second.mode) : undefined;
  const recorded = async () => (await statusOf(h, run)) === 'done';
  const deadline = Date.now() + 2 * WITHIN_MS;
  let fault: { hit: RoundTrip; backAt: number } | undefined;
  while (Date.now() < deadline && !fault) {
    fault = await Promise.race([secondHit ?? new Promise<never>(() => undefined), sleep(50).then(() => undefined)]);
    if (!fault && (await recorded())) {
      fault = await Promise.race([secondHit ?? new Promise<never>(() => undefined), sleep(SETTLE_MS).then(() => undefined)]);
      break;
    }
  }
  await sent;
  if (!second) {
    await sleep(SETTLE_MS);
    return { h, step: first, mode: 'before', recovery: h.proxy.log().slice(from) };
  }
  if (!fault) {
    h.proxy.disarm();
    await sleep(SETTLE_MS);
    return { h, step: second.step, mode: second.mode };
  }
  let doneAt: number | undefined;
  while (Date.now() < fault.backAt + WITHIN_MS) {
    if (await recorded()) {
      doneAt = Date.now();
      break;
    }
    await sleep(50);
  }
  await sleep(SETTLE_MS);
  const effects = run.effects(await callsSince(h, since));
  return { h, step: second.step, mode: second.mode, hit: fault.hit, effects, latencyMs: doneAt === undefined ? undefined : Math.max(0, doneAt - fault.backAt) };
}
