import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { realPayload } from '../helpers/real-payloads.js';
import { withRedisDown } from '../helpers/redis.js';

/**
 * What Jira's admin webhooks, Jira Service Management automation and a ServiceNow business rule
 * send, as the README tells to set them up, through the real app, queue and workers.
 */
const JIRA_SECRET = 'senders-jira-secret-0001';
const JSM_TOKEN = 'senders-jsm-automation-token-01';
const SN_SECRET = 'senders-servicenow-secret-01';

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startTestBridge({
    routing: {
      itsm: {
        connectors: {
          'acme-jira': { tool: 'jira', auth: { secret: JIRA_SECRET }, defaults: { serviceId: 'SRV-40000001' } },
          'acme-jsm': { tool: 'jira', auth: { type: 'shared-secret', header: 'x-expereo-secret', token: JSM_TOKEN }, defaults: { serviceId: 'SRV-40000001' } },
          'acme-sn': {
            tool: 'servicenow',
            auth: { type: 'hmac', secret: SN_SECRET, header: 'x-sn-signature', encoding: 'base64', timestampHeader: 'x-sn-timestamp' },
            servicePath: 'payload.u_expereo_service',
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await bridge?.close();
});

async function created(ref: string) {
  await eventually(() => bridge.core.outbox.caseIdForKey(ref));
  return (await sandboxCalls(bridge.sandbox)).filter(
    (c) => c.method === 'POST' && c.path === '/v2/cases' && (c.body as { customerReference?: string }).customerReference === ref,
  );
}

describe('Jira admin webhooks: retried for about 30 minutes under one X-Atlassian-Webhook-Identifier', () => {
  /** The captured Jira Cloud delivery, its timestamp refreshed as the corpus asks. */
  const body = (() => {
    const entry = realPayload('jira-01-issue-created.json');
    return JSON.stringify({ ...(entry.body as Record<string, unknown>), timestamp: Date.now() });
  })();
  const identifier = randomUUID();
  const delivery = () =>
    bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/jira?connector=acme-jira',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'x-hub-signature': `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`,
        'x-atlassian-webhook-identifier': identifier,
      },
    });

  it('takes the retry of a delivery answered 503, and answers every later retry 202 duplicate, never 409', async () => {
    const down = await withRedisDown(bridge.core.redis, delivery);
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    const retry = await delivery();
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ status: 'queued', ticketId: 'TES-41' });
    for (let i = 0; i < 3; i++) {
      const again = await delivery();
      expect(again.statusCode).toBe(202);
      expect(again.json()).toMatchObject({ status: 'duplicate', deliveryId: identifier });
    }
    expect(await created('itsm:acme-jira:TES-41')).toHaveLength(1);
    // Remembered for longer than Jira goes on retrying.
    expect(await bridge.core.redis.ttl(`${bridge.prefix}:itsm:delivery:acme-jira:${identifier}`)).toBeGreaterThan(1800);
  });
});

describe('Jira Service Management automation: "Send web request" with a shared secret header', () => {
  /** Renders the README's body template as automation renders smart values (`jsonEncode` escapes for a JSON string). */
  function render(template: string, values: Record<string, string>): string {
    return readFileSync(resolve(`examples/jsm/${template}`), 'utf8').replace(/\{\{([a-zA-Z.]+?)(\.jsonEncode)?\}\}/g, (_, path: string, encode?: string) => {
      const value = values[path] ?? '';
      return encode ? JSON.stringify(value).slice(1, -1) : value;
    });
  }
  const issue = {
    'issue.id': '20042',
    'issue.key': 'SD-7',
    'issue.summary': 'Köln office: "no dial tone"',
    'issue.description': 'Since 09:10.\nAll lines of the second floor.',
    'issue.priority.name': 'High',
    'issue.issueType.name': '[System] Incident',
    'issue.status.name': 'Open',
    'issue.reporter.displayName': 'Jonas Weber',
  };
  const send = (payload: string, headers: Record<string, string>) =>
    bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/jira?connector=acme-jsm', payload, headers: { 'content-type': 'application/json', ...headers } });

  it('opens a case from the rule’s body, and takes a comment rule’s body as a case message', async () => {
    const res = await send(render('issue-created.json.tmpl', issue), { 'x-expereo-secret': JSM_TOKEN });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', ticketId: 'SD-7' });
    const [create] = await created('itsm:acme-jsm:SD-7');
    expect(create!.body).toMatchObject({ priority: 'P2', serviceId: 'SRV-40000001' });
    expect(String((create!.body as { description: string }).description)).toContain('All lines of the second floor.');

    const comment = render('comment-added.json.tmpl', {
      ...issue,
      'comment.id': '30001',
      'comment.body': 'Technician on site at 11:00',
      'comment.author.displayName': 'Jonas Weber',
    });
    const answer = await send(comment, { 'x-expereo-secret': JSM_TOKEN });
    expect(answer.json()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:acme-jsm:SD-7:comment:30001', kind: 'message' }] });
    // Automation does not retry, but a rule run twice sends the same body: the same delivery.
    expect((await send(comment, { 'x-expereo-secret': JSM_TOKEN })).json()).toMatchObject({ status: 'duplicate' });
  });

  it('refuses a wrong or missing secret, and a signature in its place', async () => {
    const payload = render('issue-created.json.tmpl', { ...issue, 'issue.key': 'SD-8' });
    expect((await send(payload, { 'x-expereo-secret': `${JSM_TOKEN}x` })).statusCode).toBe(401);
    expect((await send(payload, {})).statusCode).toBe(401);
    expect((await send(payload, { 'x-hub-signature': `sha256=${createHmac('sha256', JSM_TOKEN).update(payload).digest('hex')}` })).statusCode).toBe(401);
    expect(await bridge.core.outbox.caseIdForKey('itsm:acme-jsm:SD-8')).toBeUndefined();
  });
});

describe('ServiceNow: the business rule of examples/servicenow-business-rule.js', () => {
  interface Sent {
    endpoint: string;
    headers: Record<string, string>;
    body: string;
  }

  /**
   * Runs the script with the ServiceNow APIs it uses, as ServiceNow documents them:
   * `CertificateEncryption.generateMac(key, algorithm, data)` decodes its key from base64 and
   * answers the MAC in base64; `GlideStringUtil.base64Encode` encodes text; a GlideRecord's
   * `getValue` and `getDisplayValue` read fields; `RESTMessageV2` sends what it was given.
   */
  function runRule(o: { secret: string; record: Record<string, string>; insert: boolean; changes?: string[] }): Sent[] {
    const sent: Sent[] = [];
    const field = (name: string) => ({ changes: () => (o.changes ?? []).includes(name) });
    const current = {
      operation: () => (o.insert ? 'insert' : 'update'),
      getUniqueValue: () => o.record.sys_id,
      getValue: (name: string) => o.record[name] ?? null,
      getDisplayValue: (name: string) => o.record[`${name}.display`] ?? o.record[name] ?? '',
      priority: field('priority'),
      state: field('state'),
    };
    class RESTMessageV2 {
      private readonly request: Sent = { endpoint: '', headers: {}, body: '' };
      setEndpoint(url: string) {
        this.request.endpoint = url;
      }
      setHttpMethod(method: string) {
        if (method.toLowerCase() !== 'post') throw new Error(`unexpected method ${method}`);
      }
      setRequestHeader(name: string, value: string) {
        this.request.headers[name.toLowerCase()] = value;
      }
      setRequestBody(body: string) {
        this.request.body = body;
      }
      executeAsync() {
        sent.push(this.request);
      }
    }
    runInNewContext(readFileSync(resolve('examples/servicenow-business-rule.js'), 'utf8'), {
      current,
      previous: null,
      gs: { getProperty: (name: string) => ({ 'x_expereo.bridge_secret': o.secret, 'glide.servlet.uri': 'https://acme.service-now.com/' })[name] },
      GlideStringUtil: { base64Encode: (text: string) => Buffer.from(text, 'utf8').toString('base64') },
      GlideDateTime: class {
        getNumericValue() {
          return Date.now();
        }
      },
      CertificateEncryption: class {
        generateMac(key: string, algorithm: string, data: string) {
          if (algorithm !== 'HmacSHA256') throw new Error(`unexpected algorithm ${algorithm}`);
          return createHmac('sha256', Buffer.from(key, 'base64')).update(data, 'utf8').digest('base64');
        }
      },
      sn_ws: { RESTMessageV2 },
    });
    return sent;
  }
  const incident = {
    sys_id: '9d385017c611228701d22104cc95c371',
    sys_mod_count: '0',
    number: 'INC0010077',
    short_description: 'Zürich DC: Glasfaser gestört – "LOS" alarm',
    description: 'Both uplinks down since 06:40 UTC.',
    priority: '1',
    'priority.display': '1 - Critical',
    category: 'network',
    state: '1',
    'state.display': 'New',
    opened_at: '2026-12-02 06:41:00',
    caller_id: '6816f79cc0a8016401c5a33be04be441',
    'caller_id.display': 'Abel Tuter',
    u_expereo_service: 'SRV-40000002',
  };
  const deliver = (s: Sent) =>
    bridge.app.inject({ method: 'POST', url: new URL(s.endpoint).pathname, payload: s.body, headers: { 'content-type': 'application/json', ...s.headers } });

  it('signs exactly what the bridge verifies: the incident becomes a case, text and all', async () => {
    const [request] = runRule({ secret: SN_SECRET, record: incident, insert: true });
    expect(request!.endpoint).toBe('https://bridge.example.com/webhooks/itsm/servicenow');
    expect(request!.body).toMatch(/^[\x20-\x7e]+$/);
    const res = await deliver(request!);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', ticketId: incident.sys_id });
    const [create] = await created(`itsm:acme-sn:${incident.sys_id}`);
    expect(create!.body).toMatchObject({ priority: 'P1', serviceId: 'SRV-40000002' });
    expect(String((create!.body as { description: string }).description)).toContain('Both uplinks down since 06:40 UTC.');
  });

  it('sends nothing for an update that changed neither priority nor state, and a signed update for one that did', async () => {
    expect(runRule({ secret: SN_SECRET, record: incident, insert: false })).toEqual([]);
    const [update] = runRule({
      secret: SN_SECRET,
      record: { ...incident, sys_mod_count: '1', 'state.display': 'In Progress' },
      insert: false,
      changes: ['state'],
    });
    expect(JSON.parse(update!.body)).toMatchObject({ event: 'updated', changed: ['status'], state: 'In Progress' });
    expect((await deliver(update!)).statusCode).toBe(202);
  });

  it('is refused when signed with another secret, or when the body changed on the way', async () => {
    const [other] = runRule({ secret: 'another-secret-of-servicenow', record: { ...incident, sys_id: 'aaaa5017c611228701d22104cc95c371' }, insert: true });
    expect((await deliver(other!)).statusCode).toBe(401);
    const [request] = runRule({ secret: SN_SECRET, record: { ...incident, sys_id: 'bbbb5017c611228701d22104cc95c371' }, insert: true });
    expect((await deliver({ ...request!, body: request!.body.replace('Critical', 'Low') })).statusCode).toBe(401);
  });
});
