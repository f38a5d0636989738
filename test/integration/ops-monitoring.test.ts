import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/metrics.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { AM_TOKEN, alertsRouting } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';
import { eventually } from '../helpers/bridge.js';
import { bridgeEnv, deleteKeys } from '../helpers/env.js';
import { familyName, installed, labelNamesIn, metricNamesIn, parseExposition, runTool, startPrometheus, type Family } from '../helpers/monitoring.js';
import { spawnBridge, type BridgeProcess } from '../helpers/processes.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';

/**
 * The alerting rules (ops/prometheus) and the Grafana dashboard (ops/grafana) against the bridge
 * they watch: a real bridge process that has taken an alert notification through to expereo,
 * Debian's promtool and a Prometheus server of the test's own.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const RULES = join(ROOT, 'ops/prometheus/bridge-alerts.yml');
const RULE_TESTS = join(ROOT, 'ops/prometheus/bridge-alerts.test.yml');
const DASHBOARD = join(ROOT, 'ops/grafana/expereo-bridge.json');
const JOB = 'expereo-bridge';
/** Labels the scrape adds to every series. */
const SCRAPE_LABELS = ['job', 'instance'];

const promtool = installed('promtool');
const prometheus = installed('prometheus');
if (!promtool) console.warn('promtool not found (Debian: apt-get install prometheus): promtool check rules / test rules / check metrics are skipped');
if (!prometheus)
  console.warn('prometheus not found (Debian: apt-get install prometheus): the rules and dashboard queries are not evaluated by a Prometheus server');

interface Rule {
  alert: string;
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
}
interface RuleTests {
  rule_files: string[];
  tests: { input_series: { series: string }[]; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const ruleTests = parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests;
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');

/** A dashboard query as Grafana sends it for job `job`, all instances. */
function asSent(expr: string, job = JOB): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', job).replaceAll('$instance', '.*');
}

let sandbox: RunningSandbox | undefined;
let bridge: BridgeProcess | undefined;
let address = '';
let prefix = '';
let dir = '';
let exposition = '';
let families = new Map<string, Family>();

let declared: Map<string, string[]> | undefined;

/** Label names of a family: those on its samples, or as declared for one with no sample yet. */
function labelsOf(family: string): Set<string> {
  const seen = families.get(family);
  if (seen && seen.samples > 0) return seen.labels;
  declared ??= new Map(
    createMetrics()
      .registry.getMetricsAsArray()
      .map((m) => [m.name, (m as { labelNames?: string[] }).labelNames ?? []]),
  );
  return new Set(declared.get(family) ?? []);
}

/** Every bridge metric `expr` uses exists, and every label it names is one those metrics carry. */
function expectRealMetrics(where: string, expr: string): void {
  const used = metricNamesIn(expr).map((name) => familyName(name, families));
  expect(used.length, `${where}: no bridge metric in ${expr}`).toBeGreaterThan(0);
  for (const family of used) expect(families.has(family), `${where}: ${family} is not exported`).toBe(true);
  const known = new Set([...SCRAPE_LABELS, 'le', ...used.flatMap((f) => [...labelsOf(f)])]);
  for (const label of labelNamesIn(expr)) expect(known.has(label), `${where}: no metric of ${used.join(', ')} has label ${label}`).toBe(true);
}

beforeAll(async () => {
  sandbox = await startSandbox({});
  prefix = uniquePrefix('ops-monitoring');
  dir = mkdtempSync(join(tmpdir(), 'bridge-ops-'));
  const { events: _events, ...sources } = alertsRouting.sources;
  writeFileSync(join(dir, 'routing.json'), JSON.stringify({ alerts: { ...alertsRouting, sources } }));
  bridge = spawnBridge(
    bridgeEnv(redisUrl(), prefix, sandbox, { ROLE: 'all', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', BRIDGE_CONFIG: join(dir, 'routing.json') }),
  );
  await bridge.waitFor(/expereo-bridge listening/);
  address = /"address":"(http:\/\/[^"]+)"/.exec(bridge.output())![1]!;
  // One notification: webhook, intake, worker, write queue, budget, expereo; every family then has samples.
  const res = await fetch(`${address}/webhooks/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` },
    body: JSON.stringify(alertmanagerGroup('CIR-7001', [{ name: 'CircuitDown', fingerprint: 'a0c7001' }])),
  });
  expect(res.status).toBe(202);
  exposition = await eventually(
    async () => {
      const text = await (await fetch(`${address}/metrics`)).text();
      return /^bridge_writes_sent_total\{op="create"\} [1-9]/m.test(text) && text;
    },
    30_000,
    200,
  );
  families = parseExposition(exposition);
}, 90_000);

afterAll(async () => {
  await bridge?.stop();
  await sandbox?.close();
  if (prefix) await deleteKeys(redisUrl(), prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('/metrics of a running bridge', () => {
  it('names no gauge or histogram like a counter', () => {
    const misnamed = [...families].filter(([name, f]) => f.type !== 'counter' && name.endsWith('_total')).map(([name]) => name);
    expect(misnamed).toEqual([]);
  });

  it.skipIf(!promtool)('passes promtool check metrics', async () => {
    const checked = await runTool('promtool', ['check', 'metrics'], exposition);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });
});

describe('alerting rules', () => {
  it.skipIf(!promtool)('pass promtool check rules', async () => {
    const checked = await runTool('promtool', ['check', 'rules', RULES]);
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(checked.code).toBe(0);
  });

  it.skipIf(!promtool)('pass their unit tests (promtool test rules)', async () => {
    const tested = await runTool('promtool', ['test', 'rules', RULE_TESTS]);
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.code).toBe(0);
  });

  it('each have unit tests in which they fire and in which they do not', () => {
    expect(ruleTests.rule_files).toEqual(['bridge-alerts.yml']);
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of rules) {
      expect(
        cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
        `${alert} never fires in a test`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
        `${alert} is never shown quiet`,
      ).toBe(true);
    }
  });

  it('use metrics the bridge exports, with the labels it gives them', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'BridgeDeadLettersGrowing',
      'BridgeIntakeBacklogGrowing',
      'BridgeIntakeDeadEntriesGrowing',
      'BridgeRedisUnreachable',
      'BridgeReplyDeliveryLagHigh',
      'BridgeUpstreamErrors',
      'BridgeUpstreamRateLimited',
      'BridgeUpstreamTokenRefreshFailing',
      'BridgeWriteBudgetExhausted',
    ]);
    for (const rule of rules) expectRealMetrics(rule.alert, rule.expr);
  });

  it('are unit-tested on series shaped like the bridge exports them', () => {
    for (const { series } of ruleTests.tests.flatMap((t) => t.input_series)) {
      const [, name, labels] = /^([a-z0-9_]+)\{(.*)\}$/.exec(series) ?? [];
      expect(name, series).toBeDefined();
      const family = familyName(name!, families);
      expect(families.has(family), `${series}: ${family} is not exported`).toBe(true);
      const names = [...labels!.matchAll(/([a-z_]+)="/g)].map((m) => m[1]!);
      expect(names, series).toEqual(expect.arrayContaining(SCRAPE_LABELS));
      const own = names.filter((l) => !SCRAPE_LABELS.includes(l) && l !== 'le');
      expect(new Set(own), series).toEqual(labelsOf(family));
      expect(names.includes('le'), series).toBe(name!.endsWith('_bucket'));
    }
  });
});

describe('Grafana dashboard', () => {
  it('is an importable dashboard with a uid and a Prometheus data source variable', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variables = dashboard.templating.list;
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of variables.filter((v) => v.type === 'query')) expect(v.datasource?.uid).toBe('${datasource}');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries through the data source variable, on metrics the bridge exports', () => {
    expect(queryPanels.length).toBeGreaterThan(10);
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        expect(target.datasource, panel.title).toEqual(panel.datasource);
        expectRealMetrics(`${panel.title} ${target.refId}`, target.expr);
        expect(target.expr, panel.title).toContain('job="$job"');
      }
    }
  });

  it('lays its panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it.skipIf(!promtool)('has queries that are valid PromQL', async () => {
    const records = queryPanels.flatMap((p) => p.targets!.map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: asSent(t.expr) })));
    writeFileSync(join(dir, 'dashboard-queries.yml'), JSON.stringify({ groups: [{ name: 'dashboard', rules: records }] }));
    const checked = await runTool('promtool', ['check', 'rules', join(dir, 'dashboard-queries.yml')]);
    expect(checked.stdout + checked.stderr).toContain(`SUCCESS: ${records.length} rules found`);
    expect(checked.code).toBe(0);
  });
});

describe.skipIf(!prometheus)('a Prometheus server scraping the bridge', () => {
  it('evaluates every rule without error, raises nothing for a healthy bridge and answers every dashboard query', async () => {
    const server = await startPrometheus({ job: JOB, targets: [new URL(address).host], ruleFiles: [RULES] });
    try {
      type Vector = { result: { metric: Record<string, string>; value: [number, string] }[] };
      const scraped = await eventually(async () => (await server.api<Vector>('/api/v1/query', { query: 'bridge_redis_up' })).result[0], 20_000, 200);
      expect(scraped.metric).toMatchObject({ job: JOB });
      expect(scraped.value[1]).toBe('1');
      const since = scraped.value[0];

      type Rules = { groups: { rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] };
      const evaluated = await eventually(
        async () => {
          const all = (await server.api<Rules>('/api/v1/rules')).groups.flatMap((g) => g.rules);
          return all.length === rules.length && all.every((r) => Date.parse(r.lastEvaluation) / 1000 > since) && all;
        },
        20_000,
        200,
      );
      for (const rule of evaluated)
        expect({ rule: rule.name, health: rule.health, lastError: rule.lastError ?? '' }).toEqual({ rule: rule.name, health: 'ok', lastError: '' });
      expect((await server.api<{ alerts: unknown[] }>('/api/v1/alerts')).alerts).toEqual([]);

      expect(await server.api<string[]>('/api/v1/label/job/values', { 'match[]': 'bridge_redis_up' })).toContain(JOB);
      for (const panel of queryPanels) {
        for (const target of panel.targets!) await server.api('/api/v1/query', { query: asSent(target.expr) });
      }
      const redisPanel = queryPanels.find((p) => p.title === 'Redis')!;
      const redis = await server.api<Vector>('/api/v1/query', { query: asSent(redisPanel.targets![0]!.expr) });
      expect(redis.result.map((r) => r.value[1])).toEqual(['1']);
    } finally {
      await server.stop();
    }
  });
});
