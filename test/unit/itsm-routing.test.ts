import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadRoutingFile } from '../../src/config/routing-file.js';
import { itsmRoutingSchema } from '../../src/itsm/routing-schema.js';

const problems = (itsm: unknown): string[] => {
  try {
    loadRoutingFile(JSON.stringify({ itsm }));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('itsm routing section', () => {
  it('fills defaults for a minimal connector', () => {
    const r = itsmRoutingSchema.parse({ connectors: { 'acme-jira': { tool: 'jira', auth: { secret: 'a-secret-0001' } } } });
    expect(r.maxBodyBytes).toBe(512 * 1024);
    expect(r.connectors['acme-jira']).toMatchObject({
      defaults: { type: 'Incident', subject: 'ServiceDegradation', priority: 'P3' },
      comments: 'all',
      notify: { created: true, failed: true },
    });
  });

  it('reads YAML with header auth, field paths and outbound settings', () => {
    const routing = loadRoutingFile(`
itsm:
  connectors:
    acme-sn:
      tool: servicenow
      auth: { type: hmac, secret: sn-secret-0001, header: X-SN-Signature, encoding: base64 }
      fieldPaths: { ticketId: record.sys_id }
      priorityMap: { "1 - Critical": P1 }
      outbound: { baseUrl: "https://acme.service-now.com/", username: bridge, password: pw, mode: comments }
`);
    const c = routing.itsm!.connectors['acme-sn']!;
    expect(c.tool).toBe('servicenow');
    if (c.tool !== 'servicenow') return;
    expect(c.auth).toMatchObject({ header: 'x-sn-signature', encoding: 'base64' });
    expect(c.priorityMap).toEqual({ '1 - critical': 'P1' });
    expect(c.outbound).toMatchObject({ baseUrl: 'https://acme.service-now.com', table: 'incident', mode: 'comments' });
  });

  it('names each mistake with its path', () => {
    const lines = problems({
      connectors: {
        'Bad Name': { tool: 'jira', auth: { secret: 'a-secret-0001' } },
        j: {
          tool: 'jira',
          auth: { secret: 'short' },
          defaults: { type: 'General Request', subject: 'ServiceDown' },
          rules: [{ when: { path: 'issue.fields.x', equals: 'y' }, type: 'Incident' }],
          servicePath: 'payload..x',
          outbound: { baseUrl: 'https://acme.atlassian.net', email: 'bot@acme.example' },
        },
        g: { tool: 'generic', auth: { type: 'hmac', secret: 'generic-secret-1', header: 'bad header' } },
      },
    });
    const text = lines.join('\n');
    expect(text).toMatch(/itsm\.connectors\.Bad Name.*connector names/);
    expect(text).toMatch(/itsm\.connectors\.j\.auth\.secret: must be at least 8/);
    expect(text).toMatch(/itsm\.connectors\.j\.rules\.0\.when\.path: must start with ticket\. or payload\./);
    expect(text).toMatch(/itsm\.connectors\.j\.servicePath: not a field path/);
    expect(text).toMatch(/itsm\.connectors\.j\.outbound: give email and apiToken, or bearerToken/);
    expect(text).toMatch(/itsm\.connectors\.g\.auth\.header: must be an HTTP header name/);
  });

  it('checks subjects against the case type, defaults and rules alike', () => {
    const text = problems({
      connectors: {
        j: {
          tool: 'jira',
          auth: { secret: 'a-secret-0001' },
          defaults: { type: 'General Request', subject: 'ServiceDown' },
          rules: [{ when: { path: 'ticket.type', equals: 'x' }, type: 'Incident' }],
        },
      },
    }).join('\n');
    expect(text).toMatch(/defaults\.subject: must be one of ActivationSupport/);
    expect(text).toMatch(/rules\.0\.subject: is required when the rule changes the type to Incident/);
  });

  it('refuses a condition with no operator or two', () => {
    const text = problems({
      connectors: {
        j: { tool: 'jira', auth: { secret: 'a-secret-0001' }, accept: [{ path: 'ticket.type' }, { path: 'ticket.type', equals: 'a', present: true }] },
      },
    }).join('\n');
    expect(text.match(/give exactly one of equals, matches, present/g)).toHaveLength(2);
  });
});
