import { runBridge, startFailure } from './run-bridge.js';

/** The entry point: the only code that reads the real environment, listens and handles signals. */
runBridge(process.env, 'expereo-bridge').catch((err: unknown) => {
  process.stderr.write(`expereo-bridge: ${startFailure(err)}\n`);
  process.exit(1);
});
