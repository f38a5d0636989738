/**
 * Real Alertmanagers (Debian's prometheus-alertmanager) against a real bridge and the sandbox: the
 * same alert history through one Alertmanager and through an HA pair must reach expereo as the
 * same writes. The pair's second peer sends what it took before the alert resolved once its peer
 * timeout is over, so each outage below resolves inside that wait. The alerts come from amtool
 * (times set by the test) or from a Prometheus evaluating a rule over a target the test controls.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ALERTS_INTAKE } from '../../src/alerts/alerts-capability.js';
import { formatTime } from '../../src/alerts/render.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { AlertmanagerCluster, DeliveryRecorder, findAlertmanager, type Delivery } from '../helpers/alertmanager.js';
import { eventually, sandboxCalls, startTestBridge } from '../helpers/bridge.js';
import { findPrometheus, GaugeTarget, Prometheus } from '../helpers/prometheus.js';

const alertmanager = findAlertmanager();
const prometheus = findPrometheus();
const TOKEN = 'alertmanager-ha-token-0123456789';
const CIRCUIT = 'CIR-9100';
const INCIDENT = `alertmanager:{}:{circuit_id="${CIRCUIT}"}`;

const routing = {
  alerts: {
    sources: { alertmanager: { auth: { bearer: TOKEN } } },
    // The documented defaults for flap damping (4 changes in 15 min); a resolve and a re-fire change the case status.
    defaults: { reopen: { windowSeconds: 600, status: 'In Progress' }, resolve: { status: 'Resolved' } },
    rules: [{ name: 'network', matchers: ['team="network"'], service: 'SRV-40000001' }],
  },
};

/** What one run through the bridge shows: its deliveries, the upstream writes, Alertmanager's counters. */
interface Run {
  peers: number;
  deliveries: Delivery[];
  writes: string[];
  failed: number[];
  sent: number[];
  outages: Outage[];
}

interface Outage {
  startsAt: string;
  endsAt: string;
}

/** What sends the alert to the Alertmanagers: it fires and resolves on request. */
interface Feeder {
  fire(): Promise<void>;
  resolve(): Promise<void>;
  close(): Promise<void>;
}

type Feed = (am: AlertmanagerCluster) => Promise<Feeder>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type AmAlert = { status: string; startsAt: string; endsAt: string; labels: Record<string, string> };
const alertsOf = (d: Delivery) => ((d.body as { alerts?: AmAlert[] }).alerts ?? []).filter((a) => a.labels.circuit_id === CIRCUIT);
const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);

/** amtool, as Prometheus would: every member gets the alert, with the same start and end. */
const byAmtool: Feed = async (am) => {
  const labels = { alertname: 'CircuitDown', circuit_id: CIRCUIT, team: 'network', severity: 'critical' };
  const annotations = { summary: `Circuit ${CIRCUIT} is down at Rotterdam` };
  let startsAt = '';
  return {
    fire: async () => {
      startsAt = new Date().toISOString();
      await am.addAlert(labels, { startsAt, annotations });
    },
    resolve: () => am.addAlert(labels, { startsAt, endsAt: new Date().toISOString(), annotations }),
    close: async () => undefined,
  };
};

/** A Prometheus rule over a gauge the test sets; Prometheus sends to every member. */
const byPrometheus: Feed = async (am) => {
  if (!prometheus.ok) throw new Error(prometheus.reason);
  const target = await GaugeTarget.start();
  const series = `circuit_down{circuit_id="${CIRCUIT}"}`;
  target.set(series, 0);
  const rules = [
    'groups:',
    '  - name: circuits',
    '    rules:',
    '      - alert: CircuitDown',
    '        expr: circuit_down == 1',
    '        labels: { team: network, severity: critical }',
    '        annotations: { summary: "Circuit {{ $labels.circuit_id }} is down at Rotterdam" }',
    '',
  ].join('\n');
  let p: Prometheus;
  try {
    p = await Prometheus.start({ binaries: prometheus, alertmanagers: am.members.map((m) => m.url), scrapeTarget: target.address, rules, interval: '500ms' });
  } catch (err) {
    await target.close();
    throw err;
  }
  return {
    fire: async () => target.set(series, 1),
    resolve: async () => target.set(series, 0),
    close: async () => {
      await p.close();
      await target.close();
    },
  };
};

/** Waits for a delivery that shows an instance in `status` (a new one for firing), and gives that alert. */
function delivered(r: DeliveryRecorder, status: 'firing' | 'resolved', known: (a: AmAlert) => boolean): Promise<AmAlert> {
  return eventually(async () => {
    for (const d of r.deliveries) {
      const a = alertsOf(d).find((x) => x.status === status && known(x));
      if (a) return a;
    }
    return undefined;
  }, 30_000);
}

async function scenario(peers: number, feed: Feed, peerTimeoutMs: number): Promise<Run> {
  if (!alertmanager.ok) throw new Error(alertmanager.reason);
  const opened: { close(): Promise<void> }[] = [];
  const keep = <T extends { close(): Promise<void> }>(c: T): T => {
    opened.push(c);
    return c;
  };
  try {
    const bridge = keep(await startTestBridge({ routing }));
    await bridge.app.listen({ host: '127.0.0.1', port: 0 });
    const recorder = keep(await DeliveryRecorder.start(`http://127.0.0.1:${(bridge.app.server.address() as AddressInfo).port}`));
    const am = keep(
      await AlertmanagerCluster.start({
        binaries: alertmanager.binaries,
        peers,
        webhookUrl: `${recorder.url}/webhooks/alerts/alertmanager`,
        bearer: TOKEN,
        groupBy: ['circuit_id'],
        groupWait: '1s',
        groupInterval: '2s',
        repeatInterval: '15s',
        peerTimeout: `${peerTimeoutMs}ms`,
      }),
    );
    const feeder = keep(await feed(am));

    const outages: Outage[] = [];
    const t0 = Date.now();
    for (const fireAt of [t0, t0 + 3 * peerTimeoutMs + 2000]) {
      // The second outage starts after the second peer's copies of the first (its wait, twice).
      await sleep(Math.max(0, fireAt - Date.now()));
      await feeder.fire();
      const fired = await delivered(recorder, 'firing', (a) => !outages.some((o) => sameInstant(o.startsAt, a.startsAt)));
      // Resolved right after the first notification: inside the second peer's wait.
      await sleep(500);
      await feeder.resolve();
      const ended = await delivered(recorder, 'resolved', (a) => sameInstant(a.startsAt, fired.startsAt));
      outages.push({ startsAt: fired.startsAt, endsAt: ended.endsAt });
    }
    // Let every peer send what it still holds (two waits and a group interval), then drain the bridge.
    await sleep(2 * peerTimeoutMs + 4000);
    await eventually(async () => {
      const pending = Object.values(await bridge.core.outbox.pendingByLane()).reduce((a, b) => a + b, 0);
      return (
        (await bridge.core.intake(ALERTS_INTAKE).backlog()) === 0 && pending === 0 && (await bridge.core.redis.scard(`${bridge.prefix}:alerts:planned`)) === 0
      );
    }, 30_000);

    return {
      peers,
      deliveries: [...recorder.deliveries],
      writes: describeWrites(await sandboxCalls(bridge.sandbox), outages),
      failed: await am.counter('alertmanager_notifications_failed_total', { integration: 'webhook' }),
      sent: await am.counter('alertmanager_notifications_total', { integration: 'webhook' }),
      outages,
    };
  } finally {
    for (const c of opened.reverse()) await c.close();
  }
}

/**
 * Upstream writes as method, target and what they say: a message's headline and which outage its
 * alert lines are about (by their start or end time), an update's fields. How long after a resolve
 * a re-fire came depends on the run's timing, not on what happened, and is left out.
 */
function describeWrites(calls: CallRecord[], outages: Outage[]): string[] {
  const outage = (text: string) => {
    const named = outages
      .map((o, i) => (text.includes(`since ${formatTime(o.startsAt)}`) || text.includes(`] at ${formatTime(o.endsAt)}`) ? `outage ${i + 1}` : undefined))
      .filter(Boolean);
    return named.length ? ` [${named.join(', ')}]` : '';
  };
  return calls
    .filter((c) => c.method !== 'GET' && c.path.startsWith('/v2/cases') && c.status < 300)
    .map((c) => {
      const body = c.body as { message?: string; description?: string };
      if (c.method === 'POST' && c.path === '/v2/cases') return `create${outage(body.description ?? '')}`;
      if (c.path.endsWith('/case-messages')) {
        const text = body.message ?? '';
        const line = text.split('\n').find((l) => /incident/i.test(l)) ?? '';
        return `message: ${line.replace(/, \d+ (?:s|min|h) after it resolved \([^)]*\)/, ' after it resolved')}${outage(text)}`;
      }
      return `${c.method}: ${JSON.stringify(c.body)}`;
    });
}

/** Deliveries that show an instance firing after one showed it resolved: late stale copies. */
function staleFiringCopies(r: Run): number {
  let copies = 0;
  for (const { startsAt } of r.outages) {
    const resolvedAt = r.deliveries.find((d) => alertsOf(d).some((a) => a.status === 'resolved' && sameInstant(a.startsAt, startsAt)))?.at;
    if (resolvedAt === undefined) continue;
    copies += r.deliveries.filter((d) => d.at > resolvedAt && alertsOf(d).some((a) => a.status === 'firing' && sameInstant(a.startsAt, startsAt))).length;
  }
  return copies;
}

function expectSameWrites(single: Run, pair: Run): void {
  // The pair did what it does: its second peer sent a firing copy after the resolve.
  expect(staleFiringCopies(pair)).toBeGreaterThan(0);
  expect(staleFiringCopies(single)).toBe(0);
  expect(pair.sent.every((n) => n > 0)).toBe(true);
  for (const r of [single, pair]) {
    expect(r.failed, `failed notifications of ${r.peers} Alertmanager(s)`).toEqual(r.failed.map(() => 0));
    expect(r.deliveries.map((d) => d.status)).toEqual(r.deliveries.map(() => 202));
  }
  expect(single.writes).toEqual([
    'create [outage 1]',
    `message: Alertmanager (alert): All alerts of incident ${INCIDENT} have resolved. [outage 1]`,
    'PATCH: {"status":"Resolved"}',
    `message: Alertmanager (alert): Incident ${INCIDENT} is firing again after it resolved. [outage 2]`,
    'PATCH: {"status":"In Progress"}',
    `message: Alertmanager (alert): All alerts of incident ${INCIDENT} have resolved. [outage 2]`,
    'PATCH: {"status":"Resolved"}',
  ]);
  expect(pair.writes).toEqual(single.writes);
}

const skipped = (reason: string) => {
  console.warn(`alerts-alertmanager-ha: skipped, ${reason}`);
  return `skipped: ${reason}`;
};

describe.skipIf(!alertmanager.ok)(`real Alertmanager, one and an HA pair${alertmanager.ok ? '' : ` (${skipped(alertmanager.reason)})`}`, () => {
  it('fed by amtool: the pair makes the same upstream writes as one, one case, one write per real change, no stale reopen', async () => {
    const [single, pair] = await Promise.all([scenario(1, byAmtool, 5000), scenario(2, byAmtool, 5000)]);
    expectSameWrites(single, pair);
  }, 150_000);

  it.skipIf(!prometheus.ok)(
    `fed by a Prometheus rule: the same${prometheus.ok ? '' : ` (${skipped(prometheus.reason)})`}`,
    async () => {
      const [single, pair] = await Promise.all([scenario(1, byPrometheus, 6000), scenario(2, byPrometheus, 6000)]);
      expectSameWrites(single, pair);
    },
    150_000,
  );
});
