import { afterAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/demo.js';
import { eventually } from '../helpers/bridge.js';
import { deleteKeys } from '../helpers/env.js';
import { spawnBridge, type BridgeProcess } from '../helpers/processes.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';

const ADMIN_TOKEN = 'demo-test-admin-token';
const prefix = uniquePrefix('demo');
let demo: BridgeProcess | undefined;

afterAll(async () => {
  await demo?.stop('SIGTERM');
  await deleteKeys(redisUrl(), prefix);
});

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

const logLines = (output: string) =>
  output
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogLine);

describe('npm run demo (roles/demo.ts)', { timeout: 120_000 }, () => {
  it('starts the bridge with examples/demo.yaml and its sandbox, sends its samples, and their cases are in the console', async () => {
    demo = spawnBridge(
      { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', SANDBOX_PORT: '0', LOG_LEVEL: 'info', ADMIN_TOKEN },
      'roles/demo.ts',
    );
    await demo.waitFor(/"msg":"demo: open /, 60_000);
    const lines = logLines(demo.output());
    const sent = lines.filter((l) => typeof l.demo === 'string');
    expect(sent.map((l) => l.status)).toEqual([202, 202, 202]);
    const where = lines.find((l) => l.msg.startsWith('demo: open '))!;
    const consoleUrl = where.console as string;
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
    expect(where.adminToken).toBe('(your ADMIN_TOKEN)');
    expect(JSON.stringify(lines)).not.toContain(ADMIN_TOKEN);
    expect(lines.find((l) => l.msg.startsWith('routing file '))).toMatchObject({ sources: ['alertmanager'], connectors: ['demo-jira (jira)'] });

    // Both cases opened: the alert's at once (no hold-down), the ticket's with its comment.
    await eventually(async () => logLines(demo!.output()).filter((l) => l.msg === 'case created').length >= 2, 60_000);
    const created = logLines(demo.output()).filter((l) => l.msg === 'case created');
    const caseIds = created.map((l) => l.caseId as string);
    expect(caseIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);

    const base = new URL(consoleUrl).origin;
    for (const caseId of caseIds) {
      const res = await fetch(`${base}/admin/cases/${encodeURIComponent(caseId)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
    }

    const signIn = await fetch(`${base}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${base}/console/cases`, { headers: { cookie } })).text();
    expect(page).toContain(DEMO.ticket);
    for (const caseId of caseIds) expect(page).toContain(caseId);

    // One case is the alert's, one the ticket's; the comment reached the ticket's case as a message.
    expect(created.map((l) => l.source).sort()).toEqual(['alert', 'itsm']);
    const ticketCase = created.find((l) => l.ticket === DEMO.ticket)!.caseId as string;
    await eventually(async () => {
      const timeline = await (await fetch(`${base}/console/case?id=${encodeURIComponent(ticketCase)}`, { headers: { cookie } })).text();
      return timeline.includes(`${DEMO.ticket}:comment:20001`) || timeline.includes('message by Dana Demo via Jira sent upstream');
    }, 60_000);
    expect(await demo.stop('SIGTERM')).toBe(0);
    demo = undefined;
  });
});
