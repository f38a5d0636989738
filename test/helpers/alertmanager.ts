import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

/**
 * Real Alertmanagers for tests (Debian's `prometheus-alertmanager` and `amtool`): one on its own,
 * or peers clustered over loopback, each with a storage folder of its own, sending to a webhook.
 */

const run = promisify(execFile);

export interface AlertmanagerBinaries {
  alertmanager: string;
  amtool: string;
}

export function onPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The binaries, or why they cannot be used (for a test's skip message). */
export function findAlertmanager(): { ok: true; binaries: AlertmanagerBinaries } | { ok: false; reason: string } {
  const alertmanager = onPath(['prometheus-alertmanager', 'alertmanager']);
  const amtool = onPath(['amtool']);
  if (alertmanager && amtool) return { ok: true, binaries: { alertmanager, amtool } };
  const missing = [alertmanager ? undefined : 'prometheus-alertmanager', amtool ? undefined : 'amtool'].filter(Boolean).join(' and ');
  return { ok: false, reason: `${missing} not found on PATH (Debian: apt-get install prometheus-alertmanager; .ci/run installs it)` };
}

export interface ClusterOptions {
  binaries: AlertmanagerBinaries;
  /** 1: clustering off. 2 or more: an HA cluster over loopback. */
  peers: number;
  webhookUrl: string;
  bearer: string;
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** How long each peer waits per position before it sends (`--cluster.peer-timeout`). */
  peerTimeout: string;
  /** The whole `alertmanager.yml` instead of one webhook receiver with the bearer. */
  configYaml?: string;
}

export interface Member {
  url: string;
  output(): string;
}

export interface AlertTimes {
  /** RFC 3339; the same on every member, as Prometheus sends it. */
  startsAt: string;
  endsAt?: string;
  annotations?: Record<string, string>;
}

export class AlertmanagerCluster {
  private constructor(
    readonly members: (Member & { child: ChildProcess; exited: Promise<void>; dir: string })[],
    private readonly amtool: string,
  ) {}

  static async start(o: ClusterOptions): Promise<AlertmanagerCluster> {
    const ports = await Promise.all(Array.from({ length: o.peers }, async () => ({ web: await freePort(), cluster: await freePort() })));
    const members = ports.map(({ web, cluster }, i) => {
      const dir = mkdtempSync(join(tmpdir(), 'bridge-alertmanager-'));
      writeFileSync(join(dir, 'alertmanager.yml'), o.configYaml ?? configYaml(o));
      const clustering =
        o.peers === 1
          ? ['--cluster.listen-address=']
          : [
              `--cluster.listen-address=127.0.0.1:${cluster}`,
              `--cluster.advertise-address=127.0.0.1:${cluster}`,
              ...ports.filter((_, j) => j !== i).map((p) => `--cluster.peer=127.0.0.1:${p.cluster}`),
              `--cluster.peer-timeout=${o.peerTimeout}`,
              '--cluster.gossip-interval=100ms',
              '--cluster.settle-timeout=20s',
            ];
      const child = spawn(
        o.binaries.alertmanager,
        [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${web}`,
          '--log.level=debug',
          ...clustering,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      const keep = (d: Buffer) => {
        out = (out + d.toString()).slice(-200_000);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return { url: `http://127.0.0.1:${web}`, output: () => out, child, exited, dir };
    });
    const am = new AlertmanagerCluster(members, o.binaries.amtool);
    try {
      await Promise.all(members.map((m) => am.ready(m, o.peers)));
    } catch (err) {
      await am.close();
      throw err;
    }
    return am;
  }

  /** Ready: listening and, in a cluster, joined by every peer and settled (it sends nothing before). */
  private async ready(m: (typeof this.members)[number], peers: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      if (m.child.exitCode !== null) throw new Error(`alertmanager exited (${m.child.exitCode}):\n${m.output().slice(-3000)}`);
      try {
        const res = await fetch(`${m.url}/api/v2/status`);
        const status = (await res.json()) as { cluster?: { status?: string; peers?: unknown[] | null } };
        last = JSON.stringify(status.cluster);
        const c = status.cluster;
        if (peers === 1 ? c?.status === 'disabled' : c?.status === 'ready' && (c.peers?.length ?? 0) === peers) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`alertmanager at ${m.url} not ready: ${last}\n${m.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends an alert to every member with `amtool alert add`, as a Prometheus sends each alert to all of them. */
  async addAlert(labels: Record<string, string>, t: AlertTimes): Promise<void> {
    const args = [
      'alert',
      'add',
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      `--start=${t.startsAt}`,
      ...(t.endsAt ? [`--end=${t.endsAt}`] : []),
      ...Object.entries(t.annotations ?? {}).map(([k, v]) => `--annotation=${k}=${v}`),
    ];
    await Promise.all(this.members.map((m) => run(this.amtool, [`--alertmanager.url=${m.url}`, ...args], { timeout: 10_000 })));
  }

  /** The sum of a counter over the series whose labels include `match`, for each member. */
  async counter(name: string, match: Record<string, string> = {}): Promise<number[]> {
    return Promise.all(
      this.members.map(async (m) => {
        const text = await (await fetch(`${m.url}/metrics`)).text();
        return sumSeries(text, name, match);
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (m.child.exitCode === null && m.child.signalCode === null) {
          m.child.kill('SIGTERM');
          const killer = setTimeout(() => m.child.kill('SIGKILL'), 5000);
          await m.exited;
          clearTimeout(killer);
        }
        rmSync(m.dir, { recursive: true, force: true });
      }),
    );
  }
}

function configYaml(o: ClusterOptions): string {
  return [
    'route:',
    '  receiver: bridge',
    `  group_by: [${o.groupBy.join(', ')}]`,
    `  group_wait: ${o.groupWait}`,
    `  group_interval: ${o.groupInterval}`,
    `  repeat_interval: ${o.repeatInterval}`,
    'receivers:',
    '  - name: bridge',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(o.webhookUrl)}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    `            credentials: ${JSON.stringify(o.bearer)}`,
    '',
  ].join('\n');
}

/** Prometheus text format: the sum of `name`'s samples whose labels include every pair of `match`. */
export function sumSeries(text: string, name: string, match: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Headers of one connection, not of the request: not passed on. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

export interface Delivery {
  /** When it arrived (ms since the epoch). */
  at: number;
  path: string;
  body: unknown;
  /** What the bridge answered. */
  status: number;
}

/**
 * A loopback HTTP server in front of a webhook that keeps every delivery (time, body, answer) and
 * passes it on unchanged, headers included: what Alertmanager sent, in the order it arrived.
 */
export class DeliveryRecorder {
  readonly deliveries: Delivery[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<DeliveryRecorder> {
    let recorder: DeliveryRecorder | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const at = Date.now();
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
        fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: raw.length ? raw : undefined })
          .then(async (answer) => {
            const text = await answer.text();
            recorder!.deliveries.push({ at, path: req.url ?? '/', body: parseJson(raw.toString()), status: answer.status });
            res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
            res.end(text);
          })
          .catch((err: Error) => {
            recorder!.deliveries.push({ at, path: req.url ?? '/', body: parseJson(raw.toString()), status: 599 });
            res.writeHead(502);
            res.end(err.message);
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    recorder = new DeliveryRecorder(server, `http://127.0.0.1:${port}`);
    return recorder;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
