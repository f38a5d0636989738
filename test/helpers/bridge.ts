import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../webhooks/index.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createCore, type Core } from '../../src/core.js';
import { closeCapabilities, createCapabilities, type Capabilities } from '../../src/capabilities.js';
import { createLogger } from '../../src/log.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startWorkers, type RunningWorkers, type WorkerOptions } from '../../workers/index.js';
import { bridgeEnv } from './env.js';
import { dropPrefix, openRedis, redisUrl, uniquePrefix } from './redis.js';

export interface TestBridgeOptions {
  /** Extra environment, on top of a compressed write budget (30/3s) and a fresh key prefix. */
  env?: Record<string, string>;
  /** The routing file's content (as if BRIDGE_CONFIG pointed at it). */
  routing?: unknown;
  sandbox?: SandboxOptions;
  /** Use a sandbox that is already running instead of starting one. */
  upstream?: RunningSandbox;
  /** Start the workers in this process (default true). */
  workers?: boolean | WorkerOptions;
  /** A Redis of the test's own (default: the shared one the test run found). */
  redisUrl?: string;
  /** The console links to the sandbox's page, as when the bridge runs its built-in sandbox. */
  linkSandbox?: boolean;
  /** Where the bridge's log goes (default: stdout, at TEST_LOG_LEVEL or silent). */
  logDestination?: NodeJS.WritableStream;
}

export interface TestBridge {
  config: Readonly<Config>;
  core: Core;
  app: FastifyInstance;
  sandbox: RunningSandbox;
  workers: RunningWorkers | undefined;
  capabilities: Capabilities;
  prefix: string;
  close(): Promise<void>;
}

/** The write budget tests use: 30 writes in 3 s, ten times the real pace. */
export const TEST_WRITE_LIMIT = { limit: 30, periodMs: 3000 };

/**
 * A whole bridge for a test: the real sandbox over HTTP, a real Redis under a prefix of its own, the
 * real producer, workers and Fastify app. `close()` stops everything and deletes the test's keys.
 */
export async function startTestBridge(options: TestBridgeOptions = {}): Promise<TestBridge> {
  const sandbox =
    options.upstream ??
    (await startSandbox({ writeLimit: { ...TEST_WRITE_LIMIT, burst: 3 }, readLimit: { limit: 30, periodMs: 1000, burst: 50 }, ...options.sandbox }));
  const prefix = uniquePrefix('bridge');
  const env = bridgeEnv(options.redisUrl ?? redisUrl(), prefix, sandbox, {
    EXPEREO_WRITE_LIMIT: `${TEST_WRITE_LIMIT.limit}/${TEST_WRITE_LIMIT.periodMs}ms`,
    EXPEREO_READ_LIMIT: '30/1s',
    WRITE_BACKOFF: '100ms',
    WRITE_LOCK_TIMEOUT: '3s',
    WRITE_STALLED_INTERVAL: '2s',
    WRITE_SWEEP_EVERY: '2s',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    ...options.env,
  });
  if (options.routing !== undefined) env.BRIDGE_CONFIG = '/routing.json';
  const config = loadConfig(env, () => JSON.stringify(options.routing ?? {}));
  const log = createLogger(config.logLevel, options.logDestination);
  const core = createCore(config, sandbox, log);
  await core.ready();
  const capabilities = createCapabilities(core);
  const workerOptions = typeof options.workers === 'object' ? options.workers : {};
  const workers = options.workers === false ? undefined : await startWorkers(core, { capabilities, ...workerOptions });
  const sandboxUrl = options.linkSandbox ? new URL('/sandbox/', sandbox.baseUrl).href : undefined;
  const app = await buildApp({ core, capabilities, sandboxUrl, workersRunning: workers ? () => workers.running() : undefined });
  await app.ready();

  let closing: Promise<void> | undefined;
  return {
    config,
    core,
    app,
    sandbox,
    workers,
    capabilities,
    prefix: config.redis.prefix,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await workers?.close();
        await closeCapabilities(capabilities);
        await core.close();
        if (!options.upstream) await sandbox.close();
        if (!options.redisUrl) await dropPrefix(await openRedis('cleanup'), prefix);
      })()),
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The sandbox's record of calls received (its `/sandbox/calls` hook). */
export async function sandboxCalls(sandbox: RunningSandbox): Promise<CallRecord[]> {
  const res = await fetch(`${sandbox.baseUrl}/sandbox/calls`);
  return ((await res.json()) as { calls: CallRecord[] }).calls;
}
