/**
 * An alert storm through the real bridge (webhook → incident state → write queue → sandbox):
 * 1,000 Alertmanager notifications for 20 groups within about a minute, with repeats, duplicates
 * delivered at once and state changes (alerts firing, resolving, the group resolving and firing
 * again, each fire a new alert instance). Reports upstream writes against the lower bound (one
 * create per incident plus one message per state change) and whether every alert's identity
 * reached its case. Then the same history from an HA Alertmanager pair, whose second peer sends
 * its copies a peer timeout late and deduplicates them against the shared notification log as
 * Alertmanager does (so stale firing copies arrive after resolves): `haWritesRatio` is its
 * upstream writes over the single sender's (target 1.00).
 * Args: [notifications=1000] [groups=20] [seconds=55] [limit=30/3s] [peerTimeoutSeconds=15].
 */
import { randomBytes } from 'node:crypto';
import { incidentHash } from '../../src/alerts/incident-key.js';
import { buildApp } from '../../webhooks/index.js';
import { loadConfig } from '../../src/config/config.js';
import { parseRateSpec } from '../../src/config/rate-spec.js';
import { createCore } from '../../src/core.js';
import { closeCapabilities, createCapabilities } from '../../src/capabilities.js';
import { createLogger } from '../../src/log.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { startWorkers } from '../../workers/index.js';
import { ALERTS_INTAKE } from '../../src/alerts/alerts-capability.js';
import { bridgeEnv, deleteKeys } from '../helpers/env.js';
import { alertHistory, fingerprintOf, pairDeliveries, type Delivery, type History } from './_alert-storm-history.js';

const TOKEN = 'bench-alertmanager-token-0123456789';

interface RunFigures {
  sent: number;
  sendSeconds: number;
  drainSeconds: number;
  upstreamWrites: number;
  creates: number;
  messages: number;
  updates: number;
  upstreamRefused: number;
  casesFound: number;
  identitiesMissing: string[];
  deadLetters: number;
}

/** Sends the deliveries at their times through a bridge of its own (fresh sandbox, fresh prefix), drains it, and reads what reached expereo. */
async function runBridge(h: History, deliveries: (Delivery & { duplicate?: boolean })[], limitText: string): Promise<RunFigures> {
  const spec = parseRateSpec(limitText)!;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const sandbox = await startSandbox({ writeLimit: { ...spec, burst: 3 }, readLimit: { limit: 30, periodMs: 1000, burst: 50 } });
  const prefix = `bench-alerts-${randomBytes(4).toString('hex')}`;
  const routing = {
    alerts: {
      sources: { alertmanager: { auth: { bearer: TOKEN } } },
      // Every change of state is to be posted: no hold-down, no damping, one case per group.
      defaults: { holdDownSeconds: 0, flap: false, reopen: { windowSeconds: 3600 }, resolve: { message: true } },
      rules: [{ name: 'network', matchers: ['team="network"'], service: 'SRV-40000001' }],
    },
  };
  const config = loadConfig(
    bridgeEnv(redisUrl, prefix, sandbox, {
      EXPEREO_WRITE_LIMIT: limitText,
      EXPEREO_READ_LIMIT: '30/1s',
      WRITE_SWEEP_EVERY: '2s',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      BRIDGE_CONFIG: '/routing.json',
    }),
    () => JSON.stringify(routing),
  );
  const core = createCore(config, sandbox, createLogger(config.logLevel));
  const capabilities = createCapabilities(core);
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    await core.ready();
    workers = await startWorkers(core, { capabilities });
    app = await buildApp({ core, capabilities });
    await app.ready();
    const send = async (body: string) => {
      const res = await app!.inject({
        method: 'POST',
        url: '/webhooks/alerts/alertmanager',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        payload: body,
      });
      if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
    };

    const started = Date.now();
    let sent = 0;
    for (const d of deliveries) {
      const due = started + d.at;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (d.duplicate) await Promise.all([send(d.body), send(d.body)]);
      else await send(d.body);
      sent += d.duplicate ? 2 : 1;
    }
    const sendSeconds = (Date.now() - started) / 1000;

    const planned = `${prefix}:alerts:planned`;
    const deadline = Date.now() + 600_000;
    const intake = core.intake(ALERTS_INTAKE);
    const busy = async () =>
      (await intake.backlog()) > 0 || Object.values(await core.outbox.pendingByLane()).some((n) => n > 0) || (await core.redis.scard(planned)) > 0;
    while (await busy()) {
      if (Date.now() > deadline) throw new Error('the writes did not drain within 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const drainSeconds = (Date.now() - started) / 1000 - sendSeconds;

    const calls = ((await (await fetch(`${sandbox.baseUrl}/sandbox/calls`)).json()) as { calls: { method: string; path: string; status: number }[] }).calls;
    const writes = calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/v2/cases'));
    const ok = writes.filter((c) => c.status < 300);

    // Every alert that fired must be named (name and fingerprint) in its group's case.
    const missing: string[] = [];
    let casesFound = 0;
    for (const g of h.groups.filter((x) => x.started)) {
      const incident = `alertmanager:{}/{team="network"}:{circuit_id="${g.circuit}"}`;
      const caseId = await core.outbox.caseIdForKey(`alert:${incidentHash(incident)}:e1:create`);
      if (!caseId) {
        missing.push(`${g.circuit}: no case`);
        continue;
      }
      casesFound += 1;
      const texts = [(await core.expereo.getCase(caseId)).description ?? ''];
      for await (const m of core.expereo.caseMessages(caseId)) texts.push(m.message);
      const all = texts.join('\n');
      for (const name of g.everFired) {
        if (!all.includes(`${name} [${fingerprintOf(g.circuit, name)}]`)) missing.push(`${g.circuit}/${name}`);
      }
    }
    return {
      sent,
      sendSeconds: Number(sendSeconds.toFixed(1)),
      drainSeconds: Number(drainSeconds.toFixed(1)),
      upstreamWrites: ok.length,
      creates: ok.filter((c) => c.method === 'POST' && c.path === '/v2/cases').length,
      messages: ok.filter((c) => c.path.endsWith('/case-messages')).length,
      updates: ok.filter((c) => c.method === 'PATCH').length,
      upstreamRefused: writes.length - ok.length,
      casesFound,
      identitiesMissing: missing,
      deadLetters: await core.outbox.deadCount(),
    };
  } finally {
    await app?.close();
    await workers?.close();
    await closeCapabilities(capabilities);
    await core.close();
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}

export default async function alertStorm(args: string[]): Promise<Record<string, unknown>> {
  const total = Number(args[0] ?? 1000);
  const groupCount = Number(args[1] ?? 20);
  const seconds = Number(args[2] ?? 55);
  const limitText = args[3] ?? '30/3s';
  const peerTimeoutMs = Number(args[4] ?? 15) * 1000;
  if (!parseRateSpec(limitText) || !(total > 0) || !(groupCount > 0) || !(seconds > 0) || !(peerTimeoutMs >= 0)) {
    throw new Error('usage: alert-storm [notifications] [groups] [seconds] [limit] [peerTimeoutSeconds]');
  }
  const h = alertHistory(total, groupCount, seconds);
  const pair = pairDeliveries(h, { peerTimeoutMs, groupIntervalMs: 2000, repeatIntervalMs: 15_000 }).deliveries;

  process.stderr.write(`alert-storm: ${total} notifications, ${groupCount} groups, ${seconds} s, write budget ${limitText}: one sender\n`);
  const single = await runBridge(h, h.steps, limitText);
  process.stderr.write(`alert-storm: the same from an HA pair (peer timeout ${peerTimeoutMs / 1000} s)\n`);
  const ha = await runBridge(h, pair, limitText);

  const used = h.groups.filter((g) => g.started);
  const stateChanges = used.reduce((n, g) => n + g.changes, 0);
  const lowerBound = used.length + stateChanges;
  return {
    notifications: single.sent,
    groups: used.length,
    sendSeconds: single.sendSeconds,
    drainSeconds: single.drainSeconds,
    haDuplicatePairs: h.duplicatePairs,
    repeatsWithoutChange: h.repeats,
    stateChanges,
    lowerBound,
    upstreamWrites: single.upstreamWrites,
    creates: single.creates,
    messages: single.messages,
    updates: single.updates,
    upstreamRefused: single.upstreamRefused,
    ratioToLowerBound: Number((single.upstreamWrites / lowerBound).toFixed(3)),
    target: 1.1,
    withinTarget: single.upstreamWrites <= 1.1 * lowerBound,
    casesPerGroupOk: single.creates === used.length && single.casesFound === used.length,
    identitiesChecked: used.reduce((n, g) => n + g.everFired.size, 0),
    identitiesMissing: single.identitiesMissing,
    nothingMissing: single.identitiesMissing.length === 0,
    deadLetters: single.deadLetters,
    haNotifications: ha.sent,
    haPeerCopies: pair.filter((d) => d.copy).length,
    haStaleFiringCopies: pair.filter((d) => d.stale).length,
    haUpstreamWrites: ha.upstreamWrites,
    haCreates: ha.creates,
    haMessages: ha.messages,
    haUpdates: ha.updates,
    haWritesRatio: Number((ha.upstreamWrites / single.upstreamWrites).toFixed(3)),
    haTarget: 1,
    haCasesPerGroupOk: ha.creates === used.length && ha.casesFound === used.length,
    haNothingMissing: ha.identitiesMissing.length === 0,
    haDeadLetters: ha.deadLetters,
  };
}
