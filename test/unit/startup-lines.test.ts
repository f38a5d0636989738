import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openableUrl, startupLines } from '../../src/startup-lines.js';

const EXAMPLE = 'examples/routing.yaml';
const readFile = (path: string) => readFileSync(path, 'utf8');

describe('startupLines', () => {
  it('names what the routing file turns on, where the console is, the sandbox and what to try next', () => {
    const config = loadConfig({ BRIDGE_CONFIG: EXAMPLE, ADMIN_TOKEN: 'a-long-enough-admin-token' }, readFile);
    const lines = startupLines({
      config,
      address: 'http://0.0.0.0:3000',
      sandbox: { baseUrl: 'http://127.0.0.1:3100', clientId: 'demo-client', clientSecret: 'demo-secret' },
    });
    expect(lines.map((l) => l.msg)).toEqual([
      `routing file ${EXAMPLE} loaded: 3 alert sources (alertmanager, grafana, events), 2 alert rules (core-circuits, everything-else), 3 ITSM connectors (acme-jira (jira), acme-jsm (jira), acme-servicenow (servicenow)), 2 Slack channels (C0NOC0001, C0LOGI002)`,
      'console at http://localhost:3000/console/ (sign in with ADMIN_TOKEN)',
      'built-in sandbox at http://127.0.0.1:3100, its cases and messages at http://127.0.0.1:3100/sandbox/ (demo credentials demo-client / demo-secret; GET /v2/cases with a token from /oauth2/token)',
      'try next: POST an Alertmanager notification to http://localhost:3000/webhooks/alerts/alertmanager; then POST a ticket to http://localhost:3000/webhooks/itsm/<tool>?connector=<name>; then watch its case at http://localhost:3000/console/',
    ]);
    expect(lines[0]!.fields).toMatchObject({
      routingFile: EXAMPLE,
      sources: ['alertmanager', 'grafana', 'events'],
      rules: ['core-circuits', 'everything-else'],
      slack: 'off',
    });
    expect(lines[1]!.fields).toEqual({
      adminApi: 'http://localhost:3000/admin/',
      console: 'http://localhost:3000/console/',
      queues: 'http://localhost:3000/admin/queues',
    });
    expect(lines[2]!.fields).toMatchObject({ sandbox: 'http://127.0.0.1:3100', sandboxPage: 'http://127.0.0.1:3100/sandbox/', demoClientId: 'demo-client' });
  });

  it('says when nothing is routed, the console is off and no sandbox is used', () => {
    const lines = startupLines({ config: loadConfig({}), address: 'http://127.0.0.1:4000' });
    expect(lines.map((l) => l.msg)).toEqual([
      'no routing file (BRIDGE_CONFIG is not set): no alert source, ITSM connector or Slack channel is routed',
      'admin API and console are off: set ADMIN_TOKEN (16 characters or more) to turn them on',
      'try next: set BRIDGE_CONFIG to a routing file such as examples/demo.yaml (or run npm run demo)',
    ]);
  });

  it('a worker-only process tells only its routing', () => {
    expect(startupLines({ config: loadConfig({ ROLE: 'worker' }), address: 'http://127.0.0.1:4000' })).toHaveLength(1);
  });

  it('turns a wildcard listening address into one people can open', () => {
    expect(openableUrl('http://0.0.0.0:3000')).toBe('http://localhost:3000');
    expect(openableUrl('http://[::]:3000')).toBe('http://localhost:3000');
    expect(openableUrl('http://10.1.2.3:3000')).toBe('http://10.1.2.3:3000');
  });
});
