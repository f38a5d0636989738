import { describe, expect, it } from 'vitest';
import { markerOf, markersIn, replyComment, writeFailedComment } from '../../src/itsm/comment-text.js';
import { parseTicketEvent } from '../../src/itsm/inbound.js';
import { planWrites, type Plan } from '../../src/itsm/mapping.js';
import { itsmRoutingSchema, type ConnectorConfig } from '../../src/itsm/routing-schema.js';
import type { TicketEvent } from '../../src/itsm/ticket-event.js';
import { writeRequestSchema, type WriteRequestInput } from '../../src/writes/catalog.js';
import { fixture } from '../helpers/fake-itsm.js';

const now = new Date('2024-05-01T09:00:00Z');

function connector(extra: Record<string, unknown> = {}, tool = 'jira'): ConnectorConfig {
  const auth = tool === 'jira' || tool === 'zendesk' ? { secret: 'a-secret-0001' } : { type: 'bearer', token: 'a-long-token-00000001' };
  return itsmRoutingSchema.parse({ connectors: { c: { tool, auth, defaults: { serviceId: 'SRV-DEFAULT' }, ...extra } } }).connectors.c!;
}

function eventOf(conn: ConnectorConfig, name: string, edit?: (p: any) => void): TicketEvent {
  const payload = fixture(name);
  edit?.(payload);
  const parsed = parseTicketEvent(conn, payload);
  if (parsed.kind !== 'event') throw new Error(JSON.stringify(parsed));
  return parsed.event;
}

function writes(plan: Plan): WriteRequestInput[] {
  if (plan.kind !== 'writes') throw new Error(JSON.stringify(plan));
  for (const w of plan.writes) writeRequestSchema.parse(w); // every planned write is valid for the catalog
  return plan.writes;
}

describe('ticket created → case create', () => {
  it('uses the ticket ref as key, links the ticket and maps the priority', () => {
    const conn = connector({ outbound: { baseUrl: 'https://acme.atlassian.net', email: 'a@b.c', apiToken: 't' } });
    const [w] = writes(
      planWrites({ connectorName: 'acme-jira', connector: conn, event: eventOf(conn, 'jira-issue-created'), caseRef: undefined, deliveryId: 'd1', now }),
    );
    expect(w).toMatchObject({
      kind: 'create',
      key: 'itsm:acme-jira:OPS-42',
      origin: { kind: 'itsm', ref: 'itsm:acme-jira:OPS-42', data: { connector: 'acme-jira', ticketId: 'OPS-42' } },
      body: { type: 'Incident', subject: 'ServiceDegradation', priority: 'P2', serviceId: 'SRV-DEFAULT', startOfIncident: '2024-05-01T08:00:00.000Z' },
      links: [
        {
          id: 'itsm:acme-jira:OPS-42',
          kind: 'itsm',
          data: { connector: 'acme-jira', tool: 'jira', ticketId: 'OPS-42', url: 'https://acme.atlassian.net/browse/OPS-42' },
        },
      ],
    });
    const body = (w as { body: { description: string } }).body;
    expect(body.description).toContain('Paris office: internet link down');
    expect(body.description).toContain('Raised in Jira ticket OPS-42 by Mia Krystof: https://acme.atlassian.net/browse/OPS-42.');
  });

  it('takes the service from a ticket field, and rules set type, subject and priority', () => {
    const conn = connector({
      servicePath: 'payload.issue.fields.customfield_10050.value',
      priorityMap: { HIGH: 'P1' },
      rules: [
        { when: { path: 'ticket.labels', equals: 'maintenance' }, type: 'General Request', subject: 'ChangeRequest' },
        {
          when: [
            { path: 'ticket.title', matches: 'link down' },
            { path: 'ticket.type', equals: ['incident'] },
          ],
          subject: 'ServiceDown',
        },
      ],
    });
    const [w] = writes(
      planWrites({ connectorName: 'j', connector: conn, event: eventOf(conn, 'jira-issue-created'), caseRef: undefined, deliveryId: 'd', now }),
    );
    expect(w).toMatchObject({ body: { type: 'Incident', subject: 'ServiceDown', priority: 'P1', serviceId: 'SRV-40000001' } });

    const maint = eventOf(conn, 'jira-issue-created', (p) => (p.issue.fields.labels = ['maintenance']));
    const [m] = writes(planWrites({ connectorName: 'j', connector: conn, event: maint, caseRef: undefined, deliveryId: 'd', now }));
    // a general request may not be P1: the most urgent it can be is P3; it has no start of incident
    expect(m).toMatchObject({ body: { type: 'General Request', subject: 'ChangeRequest', priority: 'P3' } });
    expect((m as { body: object }).body).not.toHaveProperty('startOfIncident');
  });

  it('answers invalid when no service can be found, and ignores tickets the accept conditions refuse', () => {
    const noService = itsmRoutingSchema.parse({ connectors: { c: { tool: 'jira', auth: { secret: 'a-secret-0001' }, servicePath: 'ticket.nothing' } } })
      .connectors.c!;
    const plan = planWrites({
      connectorName: 'j',
      connector: noService,
      event: eventOf(noService, 'jira-issue-created'),
      caseRef: undefined,
      deliveryId: 'd',
      now,
    });
    expect(plan).toMatchObject({ kind: 'invalid', issues: [{ path: 'serviceId' }] });

    const filtered = connector({ accept: [{ path: 'ticket.labels', equals: 'expereo' }] });
    expect(
      planWrites({ connectorName: 'j', connector: filtered, event: eventOf(filtered, 'jira-issue-created'), caseRef: undefined, deliveryId: 'd', now }),
    ).toMatchObject({ kind: 'ignored' });
  });

  it('maps each tool’s own priority names by default', () => {
    const zd = connector({}, 'zendesk');
    const [z] = writes(
      planWrites({ connectorName: 'z', connector: zd, event: eventOf(zd, 'zendesk-ticket-created'), caseRef: undefined, deliveryId: 'd', now }),
    );
    expect(z).toMatchObject({ key: 'itsm:z:5158', body: { priority: 'P1' } });
    const sn = connector({ servicePath: 'payload.u_expereo_service' }, 'servicenow');
    const [s] = writes(
      planWrites({ connectorName: 's', connector: sn, event: eventOf(sn, 'servicenow-incident-created'), caseRef: undefined, deliveryId: 'd', now }),
    );
    expect(s).toMatchObject({
      key: 'itsm:s:46d44a5fa9fe1981003c3b4e3a1e7f5a',
      body: { priority: 'P2', serviceId: 'SRV-40000001', startOfIncident: '2024-05-01T07:35:00.000Z' },
    });
  });
});

describe('updates and comments → the ticket’s case', () => {
  const caseRef = { createKey: 'itsm:j:OPS-42' };
  it('updates the mapped fields that changed, keyed by the change', () => {
    const conn = connector({ statusMap: { 'in progress': 'In Progress' } });
    const [w] = writes(planWrites({ connectorName: 'j', connector: conn, event: eventOf(conn, 'jira-issue-updated'), caseRef, deliveryId: 'd', now }));
    // the changelog names only the priority: the status is not sent although it is mapped
    expect(w).toEqual({ kind: 'update', key: 'itsm:j:OPS-42:update:10300', origin: expect.any(Object), case: caseRef, fields: { priority: 'P1' } });
  });

  it('turns a comment into a person’s message with a stable key', () => {
    const conn = connector();
    const [w] = writes(planWrites({ connectorName: 'j', connector: conn, event: eventOf(conn, 'jira-comment-created'), caseRef, deliveryId: 'd', now }));
    expect(w).toEqual({
      kind: 'message',
      key: 'itsm:j:OPS-42:comment:10201',
      origin: { kind: 'itsm', ref: 'itsm:j:OPS-42', data: { connector: 'j', tool: 'jira', ticketId: 'OPS-42' } },
      case: caseRef,
      author: { name: 'Mia Krystof', via: 'Jira' },
      text: 'We rebooted the router at 10:15; the link is still down.',
      at: '2024-05-01T08:20:00.000Z',
      human: true,
    });
  });

  it('ignores events of tickets without a case, internal notes when told to, and the description repeated as a comment', () => {
    const conn = connector();
    expect(planWrites({ connectorName: 'j', connector: conn, event: eventOf(conn, 'jira-comment-created'), caseRef: undefined, deliveryId: 'd', now })).toEqual(
      {
        kind: 'ignored',
        reason: 'no expereo case for this ticket',
      },
    );
    const publicOnly = connector({ comments: 'public' });
    const internal = eventOf(publicOnly, 'jira-comment-created', (p) => (p.comment.jsdPublic = false));
    expect(planWrites({ connectorName: 'j', connector: publicOnly, event: internal, caseRef, deliveryId: 'd', now })).toMatchObject({ kind: 'ignored' });
    const zd = connector({}, 'zendesk');
    const first = eventOf(zd, 'zendesk-comment-added', (p) => (p.event.comment.body = p.detail.description));
    expect(planWrites({ connectorName: 'z', connector: zd, event: first, caseRef, deliveryId: 'd', now })).toEqual({
      kind: 'ignored',
      reason: 'the comment repeats the ticket description',
    });
  });

  it('uses the delivery id for an update key when the tool gives no event id', () => {
    const sn = connector({}, 'servicenow');
    const event = eventOf(sn, 'servicenow-incident-created', (p) => {
      p.event = 'updated';
      delete p.event_id;
      p.changed = ['priority'];
    });
    const [w] = writes(planWrites({ connectorName: 's', connector: sn, event, caseRef: { caseId: '500123' }, deliveryId: 'delivery-77', now }));
    expect(w).toMatchObject({
      kind: 'update',
      key: 'itsm:s:46d44a5fa9fe1981003c3b4e3a1e7f5a:update:delivery-77',
      case: { caseId: '500123' },
      fields: { priority: 'P2' },
    });
  });
});

describe('comment text the bridge writes', () => {
  it('ends with a marker it can find again', () => {
    const marker = markerOf('j', 'OPS-42', 'd:500123:m1');
    const text = replyComment({ id: 'm1', caseId: '500123', kind: 'message', author: 'Ana Lopes', text: 'We are on it.', at: now.toISOString() }, marker);
    expect(text).toBe(`Ana Lopes replied on expereo case 500123:\n\nWe are on it.\n\nexpereo-ref:${marker}`);
    expect(markersIn(`quoted:\n${text}`)).toEqual([marker]);
    expect(markerOf('j', 'OPS-42', 'd:500123:m2')).not.toBe(marker);
    expect(writeFailedComment('message', 'case closed', '500123', marker)).toContain('could not add a comment to the expereo case 500123: case closed');
  });
});
