import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * Load for the ingest benchmark. `runLoad` is autocannon: as many requests as `connections` keep
 * busy, or its `overallRate`, which sends each connection's quota for a second back to back at the
 * start of that second (a burst of `rate` requests every second). `runSteady` is an open-loop
 * generator: one request every 1/rate s, whatever the answers, each latency counted from the time
 * the request was due (so a server that falls behind shows its backlog). Every request gets a fresh
 * body from `nextBody` and its headers from `headersFor` (a signature over that body, made when
 * it is sent).
 */

interface Histogram {
  average: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  timeout?: number;
  requests: (AutocannonRequest & { setupRequest?: (req: AutocannonRequest) => AutocannonRequest })[];
}

// autocannon ships no type declarations; the part used here is typed above.
const autocannon = createRequire(import.meta.url)('autocannon') as (o: AutocannonOptions) => Promise<AutocannonResult>;

export interface LoadSpec {
  url: string;
  path: string;
  nextBody: () => string;
  headersFor: (body: string) => Record<string, string>;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; none: as fast as the server answers. */
  rate?: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 10,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [
      {
        method: 'POST',
        path: spec.path,
        setupRequest: (req) => {
          const body = spec.nextBody();
          return { ...req, body, headers: spec.headersFor(body) };
        },
      },
    ],
  });
  return {
    requestsPerSecond: round(result.requests.total / result.duration),
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Steady arrivals at `spec.rate` per second over up to `spec.connections` connections. */
export async function runSteady(spec: LoadSpec & { rate: number }): Promise<LoadFigures> {
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
  const gapMs = 1000 / spec.rate;
  const total = Math.round(spec.rate * spec.seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const send = (dueAt: number) => {
    const body = spec.nextBody();
    return pool.request({ method: 'POST', path: spec.path, headers: spec.headersFor(body), body }).then(
      async (res) => {
        await res.body.dump();
        latencies.push(performance.now() - dueAt);
        statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
      },
      () => {
        errors += 1;
      },
    );
  };
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / gapMs) + 1);
      for (; sent < due; sent++) pending.push(send(start + sent * gapMs));
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const ok = Object.entries(statusCodes).reduce((n, [code, count]) => n + (code.startsWith('2') ? count : 0), 0);
  return {
    requestsPerSecond: round(latencies.length / elapsedS),
    requests: latencies.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    non2xx: latencies.length - ok,
    errors,
    statusCodes,
  };
}
