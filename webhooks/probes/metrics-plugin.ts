import fp from 'fastify-plugin';
import { mergedMetrics, type Metrics, type MetricsJson } from '../../src/metrics.js';

export interface MetricsOptions {
  metrics: Metrics;
  /** The metrics of the process's workers thread (`ROLE=all`), served with this thread's. */
  workerMetrics?: () => Promise<MetricsJson>;
}

/** `GET /metrics` (Prometheus text) and the per-route request counters and latency histogram. */
export const metricsPlugin = fp<MetricsOptions>(
  async (app, { metrics, workerMetrics }) => {
    // A callback hook: no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return workerMetrics ? mergedMetrics(metrics.registry, await workerMetrics()) : metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
