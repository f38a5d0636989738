import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onPath } from './alertmanager.js';
import { freePort } from './redis-server.js';

/**
 * A real Prometheus for tests (Debian's `prometheus`, its files checked by `promtool`), scraping a
 * target the test controls and sending the alerts of its rules to every Alertmanager given.
 */

const run = promisify(execFile);

export function findPrometheus(): { ok: true; prometheus: string; promtool: string } | { ok: false; reason: string } {
  const prometheus = onPath(['prometheus']);
  const promtool = onPath(['promtool']);
  if (prometheus && promtool) return { ok: true, prometheus, promtool };
  return { ok: false, reason: 'prometheus or promtool not found on PATH (Debian: apt-get install prometheus; .ci/run installs it)' };
}

/** A scrape target serving gauges the test sets (Prometheus text format). */
export class GaugeTarget {
  private readonly values = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  static async start(): Promise<GaugeTarget> {
    let target: GaugeTarget | undefined;
    const server = createServer((_req, res) => {
      const lines = [...target!.values].map(([series, v]) => `${series} ${v}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = new GaugeTarget(server, `127.0.0.1:${(server.address() as { port: number }).port}`);
    return target;
  }

  /** `series` as written in the text format, e.g. `circuit_down{circuit_id="CIR-1"}`. */
  set(series: string, value: number): void {
    this.values.set(series, value);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface PrometheusOptions {
  binaries: { prometheus: string; promtool: string };
  /** Alertmanagers (`http://host:port`), each sent every alert. */
  alertmanagers: string[];
  scrapeTarget: string;
  /** The rule file's content (YAML). */
  rules: string;
  /** Scrape and evaluation interval. */
  interval: string;
}

export class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly dir: string,
    readonly url: string,
    readonly output: () => string,
  ) {}

  static async start(o: PrometheusOptions): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-prometheus-'));
    const config = [
      'global:',
      `  scrape_interval: ${o.interval}`,
      `  evaluation_interval: ${o.interval}`,
      'alerting:',
      '  alertmanagers:',
      '    - api_version: v2',
      '      static_configs:',
      `        - targets: [${o.alertmanagers.map((u) => JSON.stringify(new URL(u).host)).join(', ')}]`,
      'rule_files: [rules.yml]',
      'scrape_configs:',
      '  - job_name: circuits',
      '    static_configs:',
      `      - targets: [${JSON.stringify(o.scrapeTarget)}]`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    writeFileSync(join(dir, 'rules.yml'), o.rules);
    try {
      await run(o.binaries.promtool, ['check', 'config', join(dir, 'prometheus.yml')], { timeout: 20_000 });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`promtool refused the test's Prometheus files: ${(err as { stdout?: string }).stdout ?? (err as Error).message}`);
    }
    const port = await freePort();
    const child = spawn(
      o.binaries.prometheus,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-100_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const p = new Prometheus(child, exited, dir, `http://127.0.0.1:${port}`, () => out);
    try {
      await p.ready(o.alertmanagers.length);
    } catch (err) {
      await p.close();
      throw err;
    }
    return p;
  }

  /** Ready, with every Alertmanager discovered and the target scraped. */
  private async ready(alertmanagers: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited (${this.child.exitCode}):\n${this.output().slice(-3000)}`);
      try {
        const ams = (await (await fetch(`${this.url}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: unknown[] } };
        const targets = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string }[] } };
        last = `${ams.data.activeAlertmanagers.length} Alertmanagers, targets ${JSON.stringify(targets.data.activeTargets.map((t) => t.health))}`;
        if (ams.data.activeAlertmanagers.length === alertmanagers && targets.data.activeTargets.some((t) => t.health === 'up')) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`prometheus not ready: ${last}\n${this.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
