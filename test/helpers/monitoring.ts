import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './bridge.js';
import { freePort } from './redis-server.js';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Whether `command` can be run (found on PATH). */
export function installed(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** Runs a command to its end, with `input` on its standard input. */
export function runTool(command: string, args: string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A tool that exits without reading its input closes the pipe first: EPIPE, not a failure.
    child.stdin.once('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export interface Family {
  type: string;
  /** Label names seen on the family's samples (without `le` and `quantile`). */
  labels: Set<string>;
  samples: number;
}

/** The metric families of a Prometheus text exposition, by name. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      families.set(type[1]!, { type: type[2]!, labels: new Set(), samples: 0 });
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? \S+/.exec(line);
    if (!sample) continue;
    const family = families.get(familyName(sample[1]!, families));
    if (!family) continue;
    family.samples += 1;
    for (const [, name] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      if (name !== 'le' && name !== 'quantile') family.labels.add(name!);
    }
  }
  return families;
}

/** The family a series name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
export function familyName(series: string, families: Map<string, Family>): string {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (histogram && families.get(histogram[1]!)?.type === 'histogram') return histogram[1]!;
  return series;
}

/** The bridge's metric names a PromQL expression (or a series selector) uses. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(expr.match(/\bbridge_[a-z0-9_]+/g) ?? [])];
}

/** Label names in the expression's selectors (`{a="x"}`), grouping and matching clauses. */
export function labelNamesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const [, inner] of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const [, name] of inner!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) names.add(name!);
  }
  for (const [, list] of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const name of list!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      names.add(name);
  }
  return [...names];
}

export interface RunningPrometheus {
  url: string;
  /** GET on the HTTP API: the `data` of a successful answer, or throws with Prometheus's error. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A Prometheus server of the test's own (Debian's `prometheus`), scraping `targets` every second
 * as job `job` and evaluating `ruleFiles` every second, with its data in a temporary folder.
 */
export async function startPrometheus(o: { job: string; targets: string[]; ruleFiles: string[] }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: o.ruleFiles,
    scrape_configs: [{ job_name: o.job, static_configs: [{ targets: o.targets }] }],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log.slice(-1000)}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
      },
      20_000,
      100,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    stop,
    api: async <T>(path: string, params: Record<string, string> = {}) => {
      const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
      return body.data;
    },
  };
}
