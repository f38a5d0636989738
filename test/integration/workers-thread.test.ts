import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { alertsRouting, postAlert } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';
import { mergedMetrics } from '../../src/metrics.js';
import { createLogger } from '../../src/log.js';
import { startWorkersThread, type WorkersThread } from '../../roles/workers-thread.js';

// ROLE=all: the webhooks in this thread (the test's bridge, without workers of its own), the
// workers in a worker thread, over the same Redis and the real sandbox.
let bridge: TestBridge;
let thread: WorkersThread | undefined;
const stopped: Error[] = [];
beforeAll(async () => {
  const { events: _events, ...sources } = alertsRouting.sources;
  bridge = await startTestBridge({ routing: { alerts: { ...alertsRouting, sources } }, workers: false });
});
afterAll(async () => {
  await thread?.close();
  await bridge?.close();
});

const sample = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

describe('the workers thread of ROLE=all', () => {
  it('drains what the webhooks took in, reports running, and its figures join the main thread’s metrics', async () => {
    thread = startWorkersThread({
      config: bridge.config,
      upstream: bridge.sandbox,
      log: createLogger('silent'),
      onStopped: (err) => stopped.push(err),
    });
    await eventually(async () => thread!.running());

    const cases = async () => ((await (await fetch(`${bridge.sandbox.baseUrl}/sandbox/state`)).json()) as { cases: number }).cases;
    const before = await cases();
    const res = await postAlert(bridge, 'alertmanager', alertmanagerGroup('CIR-7001', [{ name: 'CircuitDown', fingerprint: 'ab01' }]));
    expect(res.statusCode).toBe(202);
    // The thread's intake reader handles the entry and its write worker creates the case upstream.
    await eventually(async () => (await cases()) === before + 1, 20_000);

    // Counted in the thread (this thread runs no workers) and served with this thread's figures.
    const text = await eventually(async () => {
      const t = await mergedMetrics(bridge.core.metrics.registry, await thread!.metrics());
      return sample(t, 'bridge_writes_sent_total') === 1 ? t : undefined;
    });
    expect(sample(text, 'bridge_intake_entries_total')).toBe(1);
    expect(sample(await bridge.core.metrics.registry.metrics(), 'bridge_writes_sent_total')).toBe(0);
    // One family per name; the process's own figures once (from this thread), gauges not doubled.
    const help = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(new Set(help).size).toBe(help.length);
    expect(help.filter((l) => l.startsWith('# HELP bridge_process_resident_memory_bytes '))).toHaveLength(1);
    expect(sample(text, 'bridge_redis_up')).toBe(1);
  });

  it('stops on close, after which it is no longer running and has no figures, without telling a failure', async () => {
    await thread!.close();
    await thread!.close();
    expect(thread!.running()).toBe(false);
    expect(await thread!.metrics()).toEqual([]);
    expect(stopped).toEqual([]);
  });

  it('tells the main thread when it stops by itself (an error it could not handle), with the error and its exit code', async () => {
    const failed: Error[] = [];
    // A configuration without Redis settings: the thread's core cannot be built, an uncaught error there.
    const broken = startWorkersThread({
      config: { ...bridge.config, redis: undefined as unknown as typeof bridge.config.redis },
      upstream: bridge.sandbox,
      log: createLogger('silent'),
      onStopped: (err) => failed.push(err),
    });
    await eventually(async () => failed.length === 1, 15_000);
    expect(failed[0]!.message).toMatch(/^the workers thread stopped \(exit code 1\): TypeError/);
    expect(broken.running()).toBe(false);
    expect(await broken.metrics()).toEqual([]);
    await broken.close();
    expect(failed).toHaveLength(1);
  });
});
