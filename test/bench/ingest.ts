/**
 * Ingest: how fast the bridge takes webhooks in. autocannon sends valid, authenticated, all
 * different requests to `POST /webhooks/alerts/alertmanager` (a new alert group each: a case create
 * queued) and `POST /slack/events` (a reply in a linked case thread each: a case message queued),
 * and the same bodies to a bare Fastify route, each server in its own process. Per target: the most
 * requests per second 50 connections get (as a ratio to the bare route, the median of three alternating rounds), p99 latency at a fixed
 * 1,000 requests/s, and the bridge process's peak RSS over the run. The fixed rate is measured with
 * steady arrivals (one request every millisecond, latency from when it was due); autocannon's own
 * `overallRate`, which sends each second's requests in one burst, is reported beside it.
 * The bridge process is first the API role (`ROLE=api`): it answers once a request is in its
 * intake, and the intakes fill. Then the same process starts everything the worker role runs, and
 * each route is measured again at the fixed rate while the intakes drain (the backlog before and
 * after each run says whether they drained throughout), with the bare route beside: first as
 * `ROLE=all` runs them, in a worker thread (`thread`; the process's peak RSS is taken here), then
 * for comparison with the workers in the requests' own event loop (`inLoop`, how the bridge ran
 * them before). At the end the rest drains (in the thread): every accepted request must have its
 * write queued or sent.
 * Targets: ratio ≥ 0.5, p99 at 1,000/s < 10 ms with `ROLE=api` and < 25 ms with `ROLE=all` while
 * draining, RSS < 150 MB.
 * Args: [seconds=10] [connections=50] [rate=1000] [logLevel=info] [node flags for the bridge process…]
 * The bridge process runs with production's node flags (node-options.env); flags given here come
 * after them and win (e.g. `--max-semi-space-size=4`, `--cpu-prof --cpu-prof-dir=/tmp/prof` for a
 * CPU profile; `--max-semi-space-size=0 --max-old-space-size=0` for V8's own sizing).
 */
import { randomBytes } from 'node:crypto';
import { startSandbox } from '../../src/sandbox/index.js';
import { startFakeSlack } from '../helpers/fake-slack.js';
import { runLoad, runSteady, type LoadFigures } from '../helpers/ingest-load.js';
import {
  BENCH_CHANNEL,
  BENCH_SIGNING_SECRET,
  BENCH_THREAD,
  alertmanagerBody,
  alertmanagerHeaders,
  benchRouting,
  slackHeaders,
  slackReplyBody,
} from '../helpers/ingest-payloads.js';
import { buildIngestServers, type IngestBuild } from '../helpers/ingest-build.js';
import { startIngestChild, type IngestChild } from '../helpers/ingest-processes.js';
import { productionNodeFlags } from '../helpers/processes.js';
import { countKeys, deleteKeys } from '../helpers/env.js';
import type { IngestDrain, IngestServerStats } from '../helpers/ingest-server.js';

/** p99 at the fixed rate: API role alone, and `ROLE=all` while the intakes drain. */
const TARGETS = { ratio: 0.5, p99Ms: 10, p99MsAll: 25, rssMb: 150 };
const WARMUP_SECONDS = 3;
/** Alternating bare/bridge rounds of the throughput measurement (odd: the median is one round). */
const MAX_ROUNDS = 3;
/** Pause between phases, so that work left from one (Slack replies are queued after the answer) does not slow the next. */
const SETTLE_MS = 2000;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const mb = (bytes: number) => Number((bytes / (1024 * 1024)).toFixed(1));
/** Where a request's time went besides its own work, over one steady run. */
const loopFigures = (s: IngestServerStats) => ({
  inServerP99Ms: s.inServerP99Ms,
  inServerMaxMs: s.inServerMaxMs,
  loopDelayP99Ms: s.loopDelayP99Ms,
  loopDelayMaxMs: s.loopDelayMaxMs,
  gcPauseMaxMs: s.gcPauseMaxMs,
  gcPauseTotalMs: s.gcPauseTotalMs,
});

interface Target {
  name: string;
  path: string;
  body: (n: number) => string;
  headers: (body: string) => Record<string, string>;
}

export default async function ingest(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(args[0] ?? 10);
  const connections = Number(args[1] ?? 50);
  const rate = Number(args[2] ?? 1000);
  const logLevel = args[3] ?? 'info';
  const nodeFlags = [...productionNodeFlags(), ...args.slice(4)];
  if (!(seconds > 0) || !(connections > 0) || !(rate > 0)) throw new Error('usage: ingest [seconds] [connections] [rate] [logLevel] [node flags…]');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const runId = randomBytes(4).toString('hex');
  const prefix = `bench-ingest-${runId}`;
  const children: IngestChild[] = [];
  let build: IngestBuild | undefined;
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  let slack: Awaited<ReturnType<typeof startFakeSlack>> | undefined;
  try {
    process.stderr.write('ingest: compiling the servers\n');
    build = await buildIngestServers();
    sandbox = await startSandbox({});
    slack = await startFakeSlack();
    slack.users.set('UPERSON01', { name: 'ana', realName: 'Ana Ruiz' });
    const bridgeOptions = {
      env: {
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        EXPEREO_BASE_URL: sandbox.baseUrl,
        EXPEREO_TOKEN_URL: sandbox.tokenUrl,
        EXPEREO_CLIENT_ID: sandbox.clientId,
        EXPEREO_CLIENT_SECRET: sandbox.clientSecret,
        LOG_LEVEL: logLevel,
        SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench-token',
        SLACK_API_URL: slack.apiUrl,
      },
      routing: benchRouting(),
      link: { caseId: BENCH_THREAD.caseId, channel: BENCH_CHANNEL, threadTs: BENCH_THREAD.threadTs },
    };
    const bridge = await startIngestChild(build.bridgeScript, JSON.stringify(bridgeOptions), nodeFlags);
    children.push(bridge);
    const idle = await bridge.ask<IngestServerStats>('stats', 'stats');
    const bare = await startIngestChild(build.bareScript);
    children.push(bare);

    const targets: Target[] = [
      { name: 'alertmanager', path: '/webhooks/alerts/alertmanager', body: (n) => alertmanagerBody(n, runId), headers: () => alertmanagerHeaders() },
      { name: 'slack', path: '/slack/events', body: (n) => slackReplyBody(n, runId), headers: (body) => slackHeaders(body) },
    ];
    let n = 0;
    let accepted = 0;
    const count = <F extends LoadFigures>(f: F): F => {
      accepted += f.requests - f.non2xx;
      return f;
    };
    const spec = <O extends { seconds: number; rate?: number }>(port: number, path: string, t: Target, o: O) => ({
      url: `http://127.0.0.1:${port}`,
      path,
      nextBody: () => t.body(n++),
      headersFor: t.headers,
      connections,
      ...o,
    });
    const figures: Record<string, unknown> = {};
    for (const t of targets) {
      const onBridge = <O extends { seconds: number; rate?: number }>(o: O) => spec(bridge.port, t.path, t, o);
      const onBare = <O extends { seconds: number; rate?: number }>(o: O) => spec(bare.port, '/ingest', t, o);
      process.stderr.write(`ingest: ${t.name}: warming up\n`);
      count(await runLoad(onBridge({ seconds: WARMUP_SECONDS })));
      await runLoad(onBare({ seconds: WARMUP_SECONDS }));
      // Throughput in rounds that alternate which server goes first, each pair side by side in time:
      // the ratio is the median of the pairs' ratios, so that a burst of other work on this small
      // machine during one run does not decide it.
      process.stderr.write(`ingest: ${t.name}: ${connections} connections, ${MAX_ROUNDS} rounds of ${seconds / 2} s per server\n`);
      await settle();
      const rounds: { bare: LoadFigures; bridge: LoadFigures }[] = [];
      for (let r = 0; r < MAX_ROUNDS; r++) {
        const half = { seconds: seconds / 2 };
        if (r % 2 === 0) {
          const bareRun = await runLoad(onBare(half));
          rounds.push({ bare: bareRun, bridge: count(await runLoad(onBridge(half))) });
        } else {
          const bridgeRun = count(await runLoad(onBridge(half)));
          rounds.push({ bare: await runLoad(onBare(half)), bridge: bridgeRun });
        }
      }
      const byRatio = [...rounds].sort((a, b) => a.bridge.requestsPerSecond / a.bare.requestsPerSecond - b.bridge.requestsPerSecond / b.bare.requestsPerSecond);
      const { bare: bareMax, bridge: bridgeMax } = byRatio[Math.floor(byRatio.length / 2)]!;
      process.stderr.write(`ingest: ${t.name}: ${rate} requests/s for ${seconds} s (steady, then autocannon's overallRate), bridge then bare route\n`);
      await settle();
      await bridge.ask<IngestServerStats>('stats', 'stats');
      const bridgeSteady = count(await runSteady(onBridge({ seconds, rate })));
      const duringSteady = await bridge.ask<IngestServerStats>('stats', 'stats');
      await settle();
      const bridgeBursts = count(await runLoad(onBridge({ seconds, rate })));
      await settle();
      const bareSteady = await runSteady(onBare({ seconds, rate }));
      const ratio = bridgeMax.requestsPerSecond / bareMax.requestsPerSecond;
      const failures = [...rounds.map((r) => r.bridge), bridgeSteady, bridgeBursts].reduce((sum, f) => sum + f.non2xx + f.errors, 0);
      figures[t.name] = {
        bridgeRequestsPerSecond: bridgeMax.requestsPerSecond,
        bareRequestsPerSecond: bareMax.requestsPerSecond,
        ratioToBare: Number(ratio.toFixed(3)),
        rounds: rounds.map((r) => ({ bridge: r.bridge.requestsPerSecond, bare: r.bare.requestsPerSecond })),
        p99MsAtRate: bridgeSteady.p99Ms,
        p50MsAtRate: bridgeSteady.p50Ms,
        maxMsAtRate: bridgeSteady.maxMs,
        achievedRate: bridgeSteady.requestsPerSecond,
        bareP99MsAtRate: bareSteady.p99Ms,
        ...loopFigures(duringSteady),
        p99MsAutocannonOverallRate: bridgeBursts.p99Ms,
        p99MsAtMaxLoad: bridgeMax.p99Ms,
        statusCodes: { maxLoad: bridgeMax.statusCodes, steady: bridgeSteady.statusCodes, overallRate: bridgeBursts.statusCodes },
        failures,
        withinTargets: ratio >= TARGETS.ratio && bridgeSteady.p99Ms < TARGETS.p99Ms && failures === 0,
      };
    }
    const apiStats = await bridge.ask<IngestServerStats>('stats', 'stats');
    await settle();

    // ROLE=all: the same process now also runs everything the worker role runs, and drains the
    // intakes filled above while the same steady rate arrives; the bare route is measured beside.
    // First as `ROLE=all` runs them, in a worker thread; then, for comparison, in the requests' own
    // event loop (their intake readers sharing it, as the bridge ran them before). The process's
    // peak RSS as `ROLE=all` is taken before the comparison, which a deployed bridge never runs.
    const acceptedBeforeWorkers = accepted;
    const all: Record<string, Record<string, unknown>> = { thread: {}, inLoop: {} };
    let working = { backlog: 0 };
    let allStats: IngestServerStats | undefined;
    for (const mode of ['thread', 'inLoop'] as const) {
      process.stderr.write(`ingest: ROLE=all (${mode}): starting the workers in the bridge process\n`);
      const started = await bridge.ask<{ backlog: number }>(mode === 'thread' ? 'work' : 'work-in-loop', 'working');
      if (mode === 'thread') working = started;
      for (const t of targets) {
        process.stderr.write(`ingest: ${t.name}: ROLE=all (${mode}), ${rate} requests/s for ${seconds} s while the intakes drain, then the bare route\n`);
        const backlogAtStart = await bridge.ask<number>('backlog', 'backlog');
        await bridge.ask<IngestServerStats>('stats', 'stats'); // starts the loop and GC figures afresh
        const steady = count(await runSteady(spec(bridge.port, t.path, t, { seconds, rate })));
        const during = await bridge.ask<IngestServerStats>('stats', 'stats');
        const backlogAtEnd = await bridge.ask<number>('backlog', 'backlog');
        const bareSteady = await runSteady(spec(bare.port, '/ingest', t, { seconds, rate }));
        all[mode]![t.name] = {
          p99MsAtRate: steady.p99Ms,
          p50MsAtRate: steady.p50Ms,
          maxMsAtRate: steady.maxMs,
          achievedRate: steady.requestsPerSecond,
          bareP99MsAtRate: bareSteady.p99Ms,
          ...loopFigures(during),
          backlogAtStart,
          backlogAtEnd,
          drainedPerSecond: Math.round((backlogAtStart + steady.requests - backlogAtEnd) / seconds),
          drainingThroughout: backlogAtStart > 0 && backlogAtEnd > 0,
          failures: steady.non2xx + steady.errors,
          withinTargets: steady.p99Ms < TARGETS.p99MsAll && steady.non2xx + steady.errors === 0,
        };
      }
      if (mode === 'thread') allStats = await bridge.ask<IngestServerStats>('stats', 'stats');
    }
    const stats = await bridge.ask<IngestServerStats>('stats', 'stats');
    // Every accepted request is one intake entry, and each entry one write, queued or already sent.
    process.stderr.write('ingest: draining the rest of the intakes\n');
    const drained = await bridge.ask<IngestDrain>('drain', 'drained');
    const writesQueued = await countKeys(redisUrl, `${prefix}:w:e:*`);
    return {
      seconds,
      connections,
      rate,
      logLevel,
      nodeFlags,
      api: figures,
      all,
      // As `ROLE=all` runs: the API phases, then the workers thread draining while it answers.
      bridgePeakRssMb: mb(allStats!.peakRssBytes),
      bridgePeakRssMbApiOnly: mb(apiStats.peakRssBytes),
      // The same process after the in-loop comparison as well.
      bridgePeakRssMbWithInLoop: mb(stats.peakRssBytes),
      bridgeIdleRssMb: mb(idle.rssBytes),
      bridgeMaxRssMbSinceStart: mb(stats.maxRssBytes),
      bridgePeakHeapTotalMb: mb(allStats!.peakHeapTotalBytes),
      bridgePeakHeapUsedMb: mb(allStats!.peakHeapUsedBytes),
      bridgeRequestsAccepted: accepted,
      intakeBacklogWhenWorkersStarted: working.backlog,
      intakeDrainSeconds: Number(drained.seconds.toFixed(1)),
      // What the workers handled: the backlog they found and what arrived while they ran.
      intakeDrainPerSecond: Math.round((working.backlog + accepted - acceptedBeforeWorkers) / Math.max(drained.seconds, 0.001)),
      intakeDead: drained.dead,
      writesQueued,
      writesSent: drained.writesSent,
      // autocannon does not count the answers still in flight when a run ends, so there may be a few more.
      everyAcceptedRequestQueued: writesQueued + drained.writesSent >= accepted && drained.dead === 0,
      targets: TARGETS,
      rssWithinTarget: mb(allStats!.peakRssBytes) < TARGETS.rssMb,
    };
  } finally {
    for (const child of children) await child.close();
    await slack?.close();
    await sandbox?.close();
    await deleteKeys(redisUrl, prefix);
    await build?.remove();
  }
}
