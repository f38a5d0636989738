/**
 * Ingest: how fast the bridge takes webhooks in. autocannon sends valid, authenticated, all
 * different requests to `POST /webhooks/alerts/alertmanager` (a new alert group each: a case create
 * queued) and `POST /slack/events` (a reply in a linked case thread each: a case message queued),
 * and the same bodies to a bare Fastify route, each server in its own process. Per target: the most
 * requests per second 50 connections get (as a ratio to the bare route, the median of three alternating rounds), p99 latency at a fixed
 * 1,000 requests/s, and the bridge process's peak RSS over the run. The fixed rate is measured with
 * steady arrivals (one request every millisecond, latency from when it was due); autocannon's own
 * `overallRate`, which sends each second's requests in one burst, is reported beside it.
 * The bridge process is the API role: it answers once a request is in its intake. At the end the
 * same process starts the intake readers of the worker role and drains the intakes; every accepted
 * request must then have its write queued, and the drain rate is reported.
 * Targets: ratio ≥ 0.5, p99 < 25 ms at 1,000/s, RSS < 150 MB.
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

const TARGETS = { ratio: 0.5, p99Ms: 25, rssMb: 150 };
const WARMUP_SECONDS = 3;
/** Alternating bare/bridge rounds of the throughput measurement (odd: the median is one round). */
const MAX_ROUNDS = 3;
/** Pause between phases, so that work left from one (Slack replies are queued after the answer) does not slow the next. */
const SETTLE_MS = 2000;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const mb = (bytes: number) => Number((bytes / (1024 * 1024)).toFixed(1));

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
      const bridgeSteady = count(await runSteady(onBridge({ seconds, rate })));
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
        p99MsAutocannonOverallRate: bridgeBursts.p99Ms,
        p99MsAtMaxLoad: bridgeMax.p99Ms,
        statusCodes: { maxLoad: bridgeMax.statusCodes, steady: bridgeSteady.statusCodes, overallRate: bridgeBursts.statusCodes },
        failures,
        withinTargets: ratio >= TARGETS.ratio && bridgeSteady.p99Ms < TARGETS.p99Ms && failures === 0,
      };
    }
    const stats = await bridge.ask<IngestServerStats>('stats', 'stats');
    await settle();
    // Accepted requests are entries in the intakes; the worker side's readers then turn each into its write.
    process.stderr.write('ingest: draining the intakes (alert and Slack event readers)\n');
    const drained = await bridge.ask<IngestDrain>('drain', 'drained');
    const writesQueued = await countKeys(redisUrl, `${prefix}:w:e:*`);
    return {
      seconds,
      connections,
      rate,
      logLevel,
      nodeFlags,
      ...figures,
      bridgePeakRssMb: mb(stats.peakRssBytes),
      bridgeIdleRssMb: mb(idle.rssBytes),
      bridgeMaxRssMbSinceStart: mb(stats.maxRssBytes),
      bridgePeakHeapTotalMb: mb(stats.peakHeapTotalBytes),
      bridgePeakHeapUsedMb: mb(stats.peakHeapUsedBytes),
      bridgeRequestsAccepted: accepted,
      // Each accepted request is one intake entry, and each entry one queued write (the write workers
      // do not run, so none is sent). autocannon does not count the answers still in flight when a
      // run ends, so there may be a few more.
      intakeEntries: drained.entries,
      intakeDrainSeconds: Number(drained.seconds.toFixed(1)),
      intakeDrainPerSecond: Math.round(drained.entries / Math.max(drained.seconds, 0.001)),
      intakeDead: drained.dead,
      writesQueued,
      everyAcceptedRequestQueued: drained.entries >= accepted && writesQueued >= accepted && drained.dead === 0,
      targets: TARGETS,
      rssWithinTarget: mb(stats.peakRssBytes) < TARGETS.rssMb,
    };
  } finally {
    for (const child of children) await child.close();
    await slack?.close();
    await sandbox?.close();
    await deleteKeys(redisUrl, prefix);
    await build?.remove();
  }
}
