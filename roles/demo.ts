import { resolve } from 'node:path';
import { DEMO, sendDemo } from '../src/demo.js';
import { openableUrl } from '../src/startup-lines.js';
import { runBridge, startFailure } from './run-bridge.js';

/** The admin token the demo signs the console in with, unless ADMIN_TOKEN is set. */
const DEMO_ADMIN_TOKEN = 'demo-admin-token-change-me';

/**
 * `npm run demo`: the bridge with `examples/demo.yaml` and its built-in sandbox, then a sample
 * Alertmanager notification, a Jira ticket and a comment sent to it, and where to look.
 */
async function main(): Promise<void> {
  if (process.env.EXPEREO_BASE_URL) {
    process.stderr.write('expereo-bridge demo: it runs against the built-in sandbox: unset EXPEREO_BASE_URL\n');
    process.exit(1);
  }
  const adminToken = process.env.ADMIN_TOKEN || DEMO_ADMIN_TOKEN;
  const { bridge, log } = await runBridge(
    { ...process.env, BRIDGE_CONFIG: resolve(import.meta.dirname, '..', DEMO.routingFile), ADMIN_TOKEN: adminToken },
    'expereo-bridge demo',
  );

  const address = bridge.app.listeningOrigin;
  const base = openableUrl(address);
  log.info({ readyz: `${base}/readyz` }, 'demo: waiting for the bridge to be ready before sending its samples');
  await untilReady(base);
  for (const result of await sendDemo(base)) {
    log.info({ demo: result.what, status: result.status, answer: result.answer }, `demo: sent ${result.what}: ${result.status}`);
  }
  log.info(
    {
      console: `${base}/console/`,
      adminToken: adminToken === DEMO_ADMIN_TOKEN ? adminToken : '(your ADMIN_TOKEN)',
      ticket: DEMO.ticket,
      incident: DEMO.alertGroup,
    },
    `demo: open ${base}/console/ and sign in with ${adminToken === DEMO_ADMIN_TOKEN ? adminToken : 'your ADMIN_TOKEN'}: Cases lists the alert's case and ${DEMO.ticket}'s, each with its timeline; Ctrl-C stops`,
  );
}

/** Waits for /readyz (Redis, workers and an upstream token): the demo's requests then go through. */
async function untilReady(base: string): Promise<void> {
  for (;;) {
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`expereo-bridge demo: ${startFailure(err)}\n`);
  process.exit(1);
});
