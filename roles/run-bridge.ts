import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '../src/config/config.js';
import type { Logger } from 'pino';
import { createLogger } from '../src/log.js';
import { startBridge, type RunningBridge } from './start-bridge.js';

/**
 * Reads the configuration from `env` (a problem in it ends the process with each problem on its
 * own line, prefixed with `label`), starts the bridge for its role and closes it on a signal.
 */
export async function runBridge(env: NodeJS.ProcessEnv, label: string): Promise<{ bridge: RunningBridge; log: Logger }> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`${label}: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const bridge = await startBridge(config, log);
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await bridge.close();
  });
  return { bridge, log };
}

/**
 * What to tell the operator when start-up fails: a port already taken (another bridge, or a
 * second `npm start` whose built-in sandbox wants the same port) in one line with what to change;
 * anything else with its stack.
 */
export function startFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE') {
    return `failed to start: ${e.address ?? 'the address'}:${e.port ?? '?'} is already in use (another bridge or sandbox?): set PORT, or SANDBOX_PORT=0 for a built-in sandbox on a free port`;
  }
  return `failed to start: ${e?.stack ?? String(err)}`;
}
