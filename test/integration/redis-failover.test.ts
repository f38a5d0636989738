import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts, itsm, slackEvents, type PathRun } from '../helpers/crash-intakes.js';
import { eventually, sandboxCalls, type TestBridge } from '../helpers/bridge.js';
import { OwnRedisSentinel, SENTINEL_NAME } from '../helpers/redis-sentinel.js';

/**
 * A primary failover under load: a primary, a replica and three sentinels; 200 events from three
 * senders (Alertmanager, Slack events, Jira) go in while the primary is SIGKILLed halfway. With
 * REDIS_ACK_REPLICAS=1 an event is acknowledged only once a replica holds it, so the promoted
 * replica has every acknowledged event: each has its effect upstream exactly once, no case twice.
 * The killed server comes back empty and becomes the new primary's replica, as a supervisor would
 * restart it; until then every write answers 503 and its sender tries again.
 */
const EVENTS = 200;
const SENDERS = 8;

let topology: OwnRedisSentinel;
const paths: { bridge: TestBridge; next(n: number, direct: never): PathRun; close?(): Promise<void> }[] = [];

beforeAll(async () => {
  topology = await OwnRedisSentinel.start();
  const env = {
    REDIS_SENTINELS: topology.sentinelList,
    REDIS_SENTINEL_NAME: SENTINEL_NAME,
    REDIS_ACK_REPLICAS: '1',
    REDIS_ACK_TIMEOUT_MS: '500',
    WRITE_SWEEP_EVERY: '2s',
    WRITE_STALLED_INTERVAL: '2s',
    WRITE_LOCK_TIMEOUT: '3s',
    WRITE_BACKOFF: '200ms',
  };
  // The shared Redis is not used: the sentinels name each bridge's only Redis.
  for (const setup of [alerts, slackEvents, itsm]) paths.push(await setup('redis://127.0.0.1:1', env));
}, 60_000);

afterAll(async () => {
  for (const path of paths) {
    await path.bridge.close();
    await path.close?.();
  }
  await topology?.close();
});

describe('a primary failover behind Sentinel, REDIS_ACK_REPLICAS=1', () => {
  it('every acknowledged event has its effect exactly once', async () => {
    const runs = Array.from({ length: EVENTS }, (_, n) => ({ path: paths[n % paths.length]!, run: paths[n % paths.length]!.next(n, undefined as never) }));
    let acknowledged = 0;
    let killed: Promise<void> | undefined;
    let next = 0;
    const sender = async () => {
      while (next < runs.length) {
        const { run } = runs[next++]!;
        await run.send();
        acknowledged++;
        if (acknowledged === EVENTS / 2) {
          killed = (async () => {
            const old = await topology.killPrimary();
            await topology.promoted(old);
            await topology.restart(old);
          })();
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    await killed;
    expect(acknowledged).toBe(EVENTS);
    expect(await topology.primaryPort()).not.toBe(topology.dataPorts[0]);

    for (const path of paths) {
      const mine = runs.filter((r) => r.path === path).map((r) => r.run);
      await eventually(async () => {
        const calls = await sandboxCalls(path.bridge.sandbox);
        return mine.every((run) => run.effects(calls) >= 1);
      }, 90_000);
      const calls = await sandboxCalls(path.bridge.sandbox);
      expect(mine.map((run) => run.effects(calls)).filter((n) => n !== 1)).toEqual([]);
    }
  }, 180_000);
});
