/**
 * An alert storm through the real bridge (webhook → incident state → write queue → sandbox):
 * 1,000 Alertmanager notifications for 20 groups within about a minute, with repeats, HA-pair
 * duplicates and state changes (alerts firing, resolving, the group resolving and firing again).
 * Reports upstream writes against the lower bound (one create per incident plus one message per
 * state change) and whether every alert's identity reached its case. Args: [notifications=1000]
 * [groups=20] [seconds=55] [limit=30/3s].
 */
import { randomBytes } from 'node:crypto';
import { incidentHash } from '../../src/alerts/incident-key.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { parseRateSpec } from '../../src/config/rate-spec.js';
import { createCore } from '../../src/core.js';
import { closeIntegrations, createIntegrations } from '../../src/integrations.js';
import { createLogger } from '../../src/log.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { startWorkers } from '../../workers/index.js';
import { ALERTS_INTAKE } from '../../src/alerts/integration.js';
import { bridgeEnv, deleteKeys } from '../helpers/env.js';

const TOKEN = 'bench-alertmanager-token-0123456789';
const ALERT_NAMES = ['LinkDown', 'PacketLoss', 'HighLatency', 'BgpSessionDown', 'InterfaceErrors', 'OpticalPowerLow'];

/** Deterministic pseudo-random numbers, so that every run sends the same storm. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Group {
  circuit: string;
  firing: Set<string>;
  /** Alerts resolved by the last change (still listed once, as resolved, like `send_resolved`). */
  justResolved: Set<string>;
  everFired: Set<string>;
  started: boolean;
  changes: number;
}

const fingerprintOf = (circuit: string, name: string) => incidentHash(`${circuit}/${name}`).slice(0, 16);

function payload(g: Group): unknown {
  const alert = (name: string, status: 'firing' | 'resolved') => ({
    status,
    labels: { alertname: name, circuit_id: g.circuit, severity: name === 'LinkDown' ? 'critical' : 'warning', team: 'network', job: 'snmp' },
    annotations: { summary: `${name} on circuit ${g.circuit}`, description: `${name} detected by the storm generator on ${g.circuit}.` },
    startsAt: '2025-03-04T09:00:00Z',
    endsAt: status === 'resolved' ? '2025-03-04T09:30:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.net:9090/graph?g0.expr=${name}`,
    fingerprint: fingerprintOf(g.circuit, name),
  });
  const alerts = [...[...g.firing].map((n) => alert(n, 'firing')), ...[...g.justResolved].map((n) => alert(n, 'resolved'))];
  return {
    receiver: 'expereo-bridge',
    status: g.firing.size > 0 ? 'firing' : 'resolved',
    alerts,
    groupLabels: { circuit_id: g.circuit },
    commonLabels: { circuit_id: g.circuit, team: 'network', job: 'snmp' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.net:9093',
    version: '4',
    groupKey: `{}/{team="network"}:{circuit_id="${g.circuit}"}`,
    truncatedAlerts: 0,
  };
}

/** Moves a group to a different firing set: an alert fires or resolves, or the whole group does. */
function change(g: Group, rnd: () => number): void {
  const before = new Set(g.firing);
  const idle = ALERT_NAMES.filter((n) => !g.firing.has(n));
  const r = rnd();
  if (g.firing.size === 0) g.firing.add(idle[Math.floor(rnd() * idle.length)]!);
  else if (r < 0.45 && idle.length > 0) g.firing.add(idle[Math.floor(rnd() * idle.length)]!);
  else if (r < 0.8 && g.firing.size > 1) g.firing.delete([...g.firing][Math.floor(rnd() * g.firing.size)]!);
  else g.firing.clear();
  g.justResolved = new Set([...before].filter((n) => !g.firing.has(n)));
  for (const n of g.firing) g.everFired.add(n);
  g.changes += 1;
}

export default async function alertStorm(args: string[]): Promise<Record<string, unknown>> {
  const total = Number(args[0] ?? 1000);
  const groupCount = Number(args[1] ?? 20);
  const seconds = Number(args[2] ?? 55);
  const limitText = args[3] ?? '30/3s';
  const spec = parseRateSpec(limitText);
  if (!spec || !(total > 0) || !(groupCount > 0) || !(seconds > 0)) throw new Error('usage: alert-storm [notifications] [groups] [seconds] [limit]');
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
  const integrations = createIntegrations(core);
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    await core.ready();
    workers = await startWorkers(core, { integrations });
    app = await buildApp({ core, integrations });
    await app.ready();
    const rnd = mulberry32(20_250_304);
    const groups: Group[] = Array.from({ length: groupCount }, (_, i) => ({
      circuit: `CIR-${String(7000 + i)}`,
      firing: new Set<string>(),
      justResolved: new Set<string>(),
      everFired: new Set<string>(),
      started: false,
      changes: 0,
    }));
    const send = async (g: Group) => {
      const res = await app!.inject({
        method: 'POST',
        url: '/webhooks/alerts/alertmanager',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        payload: JSON.stringify(payload(g)),
      });
      if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
    };

    process.stderr.write(`alert-storm: ${total} notifications, ${groupCount} groups, ${seconds} s, write budget ${limitText}\n`);
    const started = Date.now();
    const gapMs = (seconds * 1000) / total;
    let sent = 0;
    let haDuplicates = 0;
    let repeats = 0;
    while (sent < total) {
      const g = groups[Math.floor(rnd() * groups.length)]!;
      if (!g.started) {
        change(g, rnd); // the first notification of a group fires
        g.started = true;
        g.changes = 0; // the create, not a message
      } else if (rnd() < 0.3) {
        change(g, rnd);
      } else {
        g.justResolved = new Set();
        repeats += 1;
      }
      if (rnd() < 0.15 && sent + 2 <= total) {
        await Promise.all([send(g), send(g)]); // an HA pair delivering the same group at once
        haDuplicates += 1;
        sent += 2;
      } else {
        await send(g);
        sent += 1;
      }
      const due = started + sent * gapMs;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
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
    const creates = ok.filter((c) => c.method === 'POST' && c.path === '/v2/cases').length;
    const messages = ok.filter((c) => c.path.endsWith('/case-messages')).length;
    const updates = ok.filter((c) => c.method === 'PATCH').length;
    const used = groups.filter((g) => g.started);
    const stateChanges = used.reduce((n, g) => n + g.changes, 0);
    const lowerBound = used.length + stateChanges;

    // Every alert that fired must be named (name and fingerprint) in its group's case.
    const missing: string[] = [];
    let casesFound = 0;
    for (const g of used) {
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
    const total202 = sent;
    return {
      notifications: total202,
      groups: used.length,
      sendSeconds: Number(sendSeconds.toFixed(1)),
      drainSeconds: Number(drainSeconds.toFixed(1)),
      haDuplicatePairs: haDuplicates,
      repeatsWithoutChange: repeats,
      stateChanges,
      lowerBound,
      upstreamWrites: ok.length,
      creates,
      messages,
      updates,
      upstreamRefused: writes.length - ok.length,
      ratioToLowerBound: Number((ok.length / lowerBound).toFixed(3)),
      target: 1.1,
      withinTarget: ok.length <= 1.1 * lowerBound,
      casesPerGroupOk: creates === used.length && casesFound === used.length,
      identitiesChecked: used.reduce((n, g) => n + g.everFired.size, 0),
      identitiesMissing: missing,
      nothingMissing: missing.length === 0,
      deadLetters: await core.outbox.deadCount(),
    };
  } finally {
    await app?.close();
    await workers?.close();
    await closeIntegrations(integrations);
    await core.close();
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}
