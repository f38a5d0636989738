import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { bodyBytes, grafanaHeaders, realPayload, zendeskHeaders } from '../helpers/real-payloads.js';

/**
 * Zendesk's trigger webhooks beside its event subscriptions, and test notifications that open
 * nothing: real payloads from the corpus (../shared/real-payloads) and the trigger bodies that
 * docs/zendesk.md tells admins to paste, rendered as Zendesk renders its placeholders, each signed
 * as the tool signs it and its effect read back from the sandbox.
 */
const ZD_SECRET = 'zendesk-trigger-secret-01';
const GRAFANA = { secret: 'grafana-hmac-secret-01', header: 'x-grafana-alerting-signature', timestampHeader: 'x-grafana-alerting-signature-timestamp' };

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({
    routing: {
      itsm: {
        connectors: {
          zd: { tool: 'zendesk', auth: { secret: ZD_SECRET }, statusMap: { solved: 'Resolved' }, defaults: { serviceId: 'SRV-40000001' } },
        },
      },
      alerts: {
        sources: { grafana: { auth: { hmac: GRAFANA } } },
        rules: [{ name: 'all', service: 'SRV-40000001' }],
      },
    },
  });
});
afterAll(async () => bridge?.close());

const zendesk = (body: string) =>
  bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/zendesk', payload: body, headers: zendeskHeaders(ZD_SECRET, body, randomUUID()) });

const creates = async () => (await sandboxCalls(bridge.sandbox)).filter((c) => c.method === 'POST' && c.path === '/v2/cases').length;

/** What the bodies of docs/zendesk.md become once Zendesk has filled in the placeholders. */
function rendered(event: 'created' | 'updated' | 'comment', ticket: Record<string, string>, comment?: Record<string, string>): string {
  return JSON.stringify({
    event,
    ticketId: ticket.id,
    title: ticket.title,
    description: ticket.description,
    priority: ticket.priority ?? 'High',
    status: ticket.status ?? 'Open',
    type: 'Incident',
    requester: 'Jane Doe',
    url: `acme.zendesk.com/agent/tickets/${ticket.id}`,
    tags: 'network paris',
    createdAt: '2026-12-01T21:40:00Z',
    updatedAt: ticket.updatedAt ?? '2026-12-01T21:40:00Z',
    ...(comment ? { comment } : {}),
  });
}

describe('Zendesk trigger webhooks', () => {
  it('the documented created, updated and comment bodies open, update and answer the case', async () => {
    const ticket = { id: '35501', title: 'Paris office offline', description: 'Both uplinks down since 21:35.' };
    const created = await zendesk(rendered('created', ticket));
    // Expected: 202 queued, one case whose description names the requester and links the ticket.
    expect(created.statusCode).toBe(202);
    expect(created.json()).toMatchObject({ status: 'queued', ticketId: '35501', writes: [{ key: 'itsm:zd:35501', kind: 'create' }] });
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey('itsm:zd:35501'));
    const kase = await bridge.core.expereo.getCase(caseId);
    expect(kase).toMatchObject({ subject: expect.any(String), priority: 'P2' });
    expect(kase.description).toContain('Both uplinks down since 21:35.');
    expect(kase.description).toContain('Raised in Zendesk ticket 35501 by Jane Doe: https://acme.zendesk.com/agent/tickets/35501.');

    // Expected: solved → the case's status Resolved.
    const solved = await zendesk(rendered('updated', { ...ticket, status: 'Solved', updatedAt: '2026-12-01T22:10:00Z' }));
    expect(solved.json()).toMatchObject({ status: 'queued', writes: [{ kind: 'update' }] });
    await eventually(async () => (await bridge.core.expereo.getCase(caseId)).status === 'Resolved');

    // Expected: the latest comment → one case message "Sam Agent (Zendesk): …".
    const comment = { text: 'Technician on site at 22:30.', author: 'Sam Agent', public: 'true' };
    const body = rendered('comment', { ...ticket, updatedAt: '2026-12-01T22:20:00Z' }, comment);
    expect((await zendesk(body)).json()).toMatchObject({ status: 'queued', writes: [{ kind: 'message' }] });
    const texts = async () => {
      const out: string[] = [];
      for await (const m of bridge.core.expereo.caseMessages(caseId, { limit: 50 })) out.push(m.message);
      return out;
    };
    await eventually(async () => (await texts()).includes('Sam Agent (Zendesk): Technician on site at 22:30.'));
    // A repeat of the same rendered body (same ticket, update time and text) is the same comment.
    expect((await zendesk(body)).json()).toMatchObject({ status: 'queued', writes: [{ status: 'duplicate' }] });
  });

  it('zd-07, a trigger body written for another consumer (no event field), opens the case', async () => {
    const p = realPayload('zd-07');
    const res = await zendesk(bodyBytes(p));
    // Expected: createdAt = updatedAt, so a created ticket: 202, one case for ticket 35436 by "Jane Doe <jane@acme.example>".
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', ticketId: '35436', writes: [{ kind: 'create' }] });
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey('itsm:zd:35436'));
    const kase = await bridge.core.expereo.getCase(caseId);
    expect(kase.description).toContain('The printer on floor 3 is smoking.');
    expect(kase.description).toContain('by Jane Doe <jane@acme.example>: https://acme.zendesk.com/agent/tickets/35436.');
  });

  it('a body of neither kind is refused with the two shapes and where the template is', async () => {
    const res = await zendesk(JSON.stringify({ ticket: { id: 1 }, note: 'hello' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('zen:event-type:ticket.*');
    expect(res.json().message).toContain('trigger webhook body');
    expect(res.json().message).toContain('docs/zendesk.md');
    // A trigger body with a ticket id that is not one is refused too, saying which field.
    const bad = await zendesk(JSON.stringify({ event: 'created', ticketId: '{{ticket.id}}' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([expect.objectContaining({ path: 'ticketId' })]);
  });
});

describe('test notifications open nothing', () => {
  it("zd-06, Zendesk's webhook test with its sample body: 2xx, no case", async () => {
    const before = await creates();
    const res = await zendesk(bodyBytes(realPayload('zd-06')));
    // Expected: 202 "test received, no case opened", nothing written.
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'test', reason: 'test received, no case opened' });
    expect(await creates()).toBe(before);
  });

  it("gr-04, Grafana's contact-point Test: 2xx, no case, at every press", async () => {
    const p = realPayload('gr-04');
    const before = await creates();
    for (const press of [0, 1]) {
      const body = bodyBytes(p).replace('-1796160000"', `-${1796160000 + press * 60}"`);
      const res = await bridge.app.inject({
        method: 'POST',
        url: '/webhooks/alerts/grafana',
        payload: body,
        headers: grafanaHeaders(GRAFANA.secret, GRAFANA.header, GRAFANA.timestampHeader, body),
      });
      // Expected: 202 "test received, no case opened".
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'test', message: 'test received, no case opened' });
    }
    // An ordinary Grafana alert still opens its case (gr-01, the docs example).
    const real = bodyBytes(realPayload('gr-01'));
    const opened = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/grafana',
      payload: real,
      headers: grafanaHeaders(GRAFANA.secret, GRAFANA.header, GRAFANA.timestampHeader, real),
    });
    expect(opened.json()).toMatchObject({ status: 'queued' });
    await eventually(async () => (await creates()) === before + 1);
  });
});
