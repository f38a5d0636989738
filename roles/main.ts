import { runBridge } from './run-bridge.js';

/** The entry point: the only code that reads the real environment, listens and handles signals. */
runBridge(process.env, 'expereo-bridge').catch((err: unknown) => {
  process.stderr.write(`expereo-bridge: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
