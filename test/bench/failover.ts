/**
 * `npm run bench -- failover [events] [senders]`: a primary failover behind Sentinel, for
 * REDIS_ACK_REPLICAS 0 and 1 in one run. For each: ingest throughput of alert notifications
 * (acknowledged per second, WAIT included), then `events` events from Alertmanager, Slack and Jira
 * with the primary SIGKILLed halfway (the killed server comes back empty as the new primary's
 * replica): acknowledged events, lost (acknowledged, no effect upstream), duplicated (more than one),
 * time without a primary, and time from the switch to the first acknowledged event.
 */
import { sandboxCalls } from '../helpers/bridge.js';
import { alerts, itsm, slackEvents, type PathRun, type Setup } from '../helpers/crash-intakes.js';
import { OwnRedisSentinel, SENTINEL_NAME } from '../helpers/redis-sentinel.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  ackReplicas: number;
  ingestPerSecond: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  noPrimaryMs: number;
  firstWriteAfterSwitchMs: number;
}

async function round(ackReplicas: number, events: number, senders: number): Promise<Round> {
  const topology = await OwnRedisSentinel.start();
  const env = {
    REDIS_SENTINELS: topology.sentinelList,
    REDIS_SENTINEL_NAME: SENTINEL_NAME,
    REDIS_ACK_REPLICAS: String(ackReplicas),
    WRITE_SWEEP_EVERY: '2s',
    WRITE_STALLED_INTERVAL: '2s',
    WRITE_LOCK_TIMEOUT: '3s',
    WRITE_BACKOFF: '200ms',
  };
  const paths: Awaited<ReturnType<Setup>>[] = [];
  for (const setup of [alerts, slackEvents, itsm]) paths.push(await setup('redis://127.0.0.1:1', env));
  try {
    // Ingest: alert notifications only (their writes go upstream later, within the budget).
    const ingest = Array.from({ length: 400 }, (_, n) => paths[0]!.next(100_000 + n, undefined as never));
    let i = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (i < ingest.length) await ingest[i++]!.send();
      }),
    );
    const ingestPerSecond = Math.round((ingest.length / (performance.now() - started)) * 1000);
    log(`ack ${ackReplicas}: ingest ${ingestPerSecond}/s`);

    const runs = Array.from({ length: events }, (_, n) => ({ path: paths[n % paths.length]!, run: paths[n % paths.length]!.next(n, undefined as never) }));
    const acked: { run: PathRun; at: number }[] = [];
    let killedAt = 0;
    let promotedAt = 0;
    let failover: Promise<void> | undefined;
    let next = 0;
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (next < runs.length) {
          const { run } = runs[next++]!;
          await run.send();
          acked.push({ run, at: performance.now() });
          if (acked.length === Math.floor(events / 2)) {
            failover = (async () => {
              killedAt = performance.now();
              const old = await topology.killPrimary();
              await topology.promoted(old);
              promotedAt = performance.now();
              await topology.restart(old);
            })();
          }
        }
      }),
    );
    await failover;
    const firstAfter = acked.find((a) => a.at > promotedAt);
    // Effects: every acknowledged event's upstream write, waited for up to 60 s.
    const counts = async () => {
      const out: number[] = [];
      for (const path of paths) {
        const calls = await sandboxCalls(path.bridge.sandbox);
        for (const r of runs) if (r.path === path) out.push(r.run.effects(calls));
      }
      return out;
    };
    let effects = await counts();
    for (const deadline = Date.now() + 60_000; effects.some((n) => n === 0) && Date.now() < deadline; effects = await counts()) await sleep(500);
    await sleep(3000); // a late duplicate would show by now
    effects = await counts();
    return {
      ackReplicas,
      ingestPerSecond,
      acknowledged: acked.length,
      lost: effects.filter((n) => n === 0).length,
      duplicated: effects.filter((n) => n > 1).length,
      noPrimaryMs: Math.round(promotedAt - killedAt),
      firstWriteAfterSwitchMs: firstAfter ? Math.round(firstAfter.at - promotedAt) : -1,
    };
  } finally {
    for (const path of paths) {
      await path.bridge.close();
      await path.close?.();
    }
    await topology.close();
  }
}

export default async function failover(args: string[]): Promise<Record<string, unknown>> {
  const events = Number(args[0] ?? 200);
  const senders = Number(args[1] ?? 8);
  const rounds: Round[] = [];
  for (const ack of [0, 1]) {
    const r = await round(ack, events, senders);
    log(JSON.stringify(r));
    rounds.push(r);
  }
  const [zero, one] = rounds as [Round, Round];
  return { events, senders, rounds, waitThroughputRatio: Number((one.ingestPerSecond / zero.ingestPerSecond).toFixed(2)) };
}
