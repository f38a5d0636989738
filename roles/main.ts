import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log.js';
import { startBridge } from './start-bridge.js';

/** The entry point: the only code that reads the real environment, listens and handles signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`expereo-bridge: ${problem}\n`);
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
}

main().catch((err: unknown) => {
  process.stderr.write(`expereo-bridge: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
