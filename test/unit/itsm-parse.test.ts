import { describe, expect, it } from 'vitest';
import { parseTicketEvent } from '../../src/itsm/inbound.js';
import { itsmRoutingSchema, type ConnectorConfig } from '../../src/itsm/routing-schema.js';
import { normalizeTime, richText, type Parsed, type TicketEvent } from '../../src/itsm/ticket-event.js';
import { DESK_FIELD_PATHS, fixture } from '../helpers/fake-itsm.js';

const routing = itsmRoutingSchema.parse({
  connectors: {
    jira: { tool: 'jira', auth: { secret: 'jira-secret-0001' } },
    zd: { tool: 'zendesk', auth: { secret: 'zendesk-secret-01' } },
    sn: { tool: 'servicenow', auth: { type: 'bearer', token: 'servicenow-token-0001' } },
    desk: {
      tool: 'generic',
      auth: { type: 'bearer', token: 'generic-token-000001' },
      events: { created: ['ticket_created'], commented: ['note_added'] },
      fieldPaths: { ...DESK_FIELD_PATHS, type: 'data.ticket.category', status: 'data.ticket.status_name', reporter: 'data.ticket.requester.name' },
    },
  },
});
const c = (name: string) => routing.connectors[name] as ConnectorConfig;
const event = (p: Parsed): TicketEvent => {
  if (p.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(p)}`);
  return p.event;
};

describe('Jira webhooks', () => {
  it('reads an issue_created delivery', () => {
    const e = event(parseTicketEvent(c('jira'), fixture('jira-issue-created')));
    expect(e).toMatchObject({
      action: 'created',
      ticketId: 'OPS-42',
      eventId: '10042',
      at: '2024-05-01T08:00:00.000Z',
      fields: {
        title: 'Paris office: internet link down',
        priority: 'High',
        type: 'Incident',
        status: 'Open',
        createdAt: '2024-05-01T08:00:00.000Z',
        reporter: 'Mia Krystof',
        labels: ['network', 'paris'],
      },
    });
    expect(e.fields.description).toContain('WAN interface down');
  });
  it('reads an issue_updated changelog as the fields that changed', () => {
    const e = event(parseTicketEvent(c('jira'), fixture('jira-issue-updated')));
    expect(e).toMatchObject({ action: 'updated', eventId: '10300', changed: ['priority'], fields: { priority: 'Highest' } });
  });
  it('ignores an update that changed no mapped field', () => {
    const p = fixture('jira-issue-updated');
    p.changelog.items = [{ field: 'assignee', fieldId: 'assignee' }];
    expect(parseTicketEvent(c('jira'), p)).toEqual({ kind: 'ignored', reason: 'no mapped field changed' });
  });
  it('reads comment_created, with a wiki-markup or ADF body', () => {
    const e = event(parseTicketEvent(c('jira'), fixture('jira-comment-created')));
    expect(e).toMatchObject({
      action: 'commented',
      ticketId: 'OPS-42',
      comment: { id: '10201', author: 'Mia Krystof', public: true, at: '2024-05-01T08:20:00.000Z' },
    });
    expect(e.comment?.text).toBe('We rebooted the router at 10:15; the link is still down.');
    const adf = fixture('jira-comment-created');
    adf.comment.body = {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'line one' }, { type: 'hardBreak' }, { type: 'text', text: 'line two' }] }],
    };
    expect(event(parseTicketEvent(c('jira'), adf)).comment?.text).toBe('line one\nline two');
  });
  it('carries a comment added together with an issue update', () => {
    const p = fixture('jira-issue-updated');
    p.issue_event_type_name = 'issue_commented';
    p.changelog = { id: '10301', items: [] };
    p.comment = fixture('jira-comment-created').comment;
    const e = event(parseTicketEvent(c('jira'), p));
    expect(e).toMatchObject({ action: 'updated', changed: [], comment: { id: '10201' } });
  });
  it('ignores events it does not handle and refuses malformed ones', () => {
    expect(parseTicketEvent(c('jira'), { webhookEvent: 'jira:issue_deleted', issue: { key: 'OPS-1' } })).toMatchObject({ kind: 'ignored' });
    expect(parseTicketEvent(c('jira'), { webhookEvent: 'comment_created', comment: { id: '1', body: 'x' } })).toMatchObject({
      kind: 'invalid',
      issues: [{ path: 'issue' }],
    });
    const bad = parseTicketEvent(c('jira'), { webhookEvent: 'jira:issue_created', issue: { key: 'not a key' } });
    expect(bad).toMatchObject({ kind: 'invalid', issues: [{ path: 'issue.key' }] });
    expect(parseTicketEvent(c('jira'), [1, 2])).toMatchObject({ kind: 'invalid' });
  });
});

describe('Zendesk ticket events', () => {
  it('reads ticket.created', () => {
    const e = event(parseTicketEvent(c('zd'), fixture('zendesk-ticket-created')));
    expect(e).toMatchObject({
      action: 'created',
      ticketId: '5158',
      eventId: 'cbe4028c-7239-495d-b020-f22348516046',
      fields: { title: 'Lyon: MPLS link down', priority: 'URGENT', type: 'INCIDENT', createdAt: '2024-05-01T08:00:00.000Z' },
    });
  });
  it('reads ticket.comment_added with its author and visibility', () => {
    const e = event(parseTicketEvent(c('zd'), fixture('zendesk-comment-added')));
    expect(e).toMatchObject({
      action: 'commented',
      comment: { id: '9876543210', author: 'Jonas Weber', public: true, text: 'The backup 4G router took over at 08:20; bandwidth is limited.' },
    });
  });
  it('reads ticket.priority_changed as a priority update', () => {
    const e = event(parseTicketEvent(c('zd'), fixture('zendesk-priority-changed')));
    expect(e).toMatchObject({ action: 'updated', changed: ['priority'], fields: { priority: 'HIGH' } });
  });
  it('ignores other event types and refuses a ticket event without detail', () => {
    expect(parseTicketEvent(c('zd'), { type: 'zen:event-type:user.created', detail: {} })).toMatchObject({ kind: 'ignored' });
    expect(parseTicketEvent(c('zd'), { type: 'zen:event-type:ticket.created' })).toMatchObject({ kind: 'invalid', issues: [{ path: 'detail' }] });
  });
});

describe('ServiceNow (recommended business-rule payload)', () => {
  it('reads an incident insert and a journal comment', () => {
    const created = event(parseTicketEvent(c('sn'), fixture('servicenow-incident-created')));
    expect(created).toMatchObject({
      action: 'created',
      ticketId: '46d44a5fa9fe1981003c3b4e3a1e7f5a',
      ticketNumber: 'INC0010042',
      fields: { priority: '2 - High', createdAt: '2024-05-01T07:35:00.000Z', reporter: 'Abel Tuter' },
    });
    const comment = event(parseTicketEvent(c('sn'), fixture('servicenow-comment')));
    expect(comment).toMatchObject({
      action: 'commented',
      comment: { id: 'e3a1b2c45b1e0210f877e1ab3e81c711', author: 'Abel Tuter', public: true, at: '2024-05-01T08:12:00.000Z' },
    });
  });
  it('names the missing paths when the payload lacks them', () => {
    expect(parseTicketEvent(c('sn'), { number: 'INC1' })).toEqual({
      kind: 'invalid',
      issues: [
        { path: 'event', message: 'is required: the event name' },
        { path: 'sys_id', message: 'is required: the ticket id' },
      ],
    });
  });
  it('reads the changed fields of an update (state is the status)', () => {
    const e = event(parseTicketEvent(c('sn'), { event: 'updated', sys_id: 'abc', priority: '1', state: 'Resolved', changed: 'priority,state' }));
    expect(e.changed).toEqual(['priority', 'status']);
  });
});

describe('generic connector (paths from the routing file)', () => {
  it('maps a tool it has never seen by configuration alone', () => {
    const e = event(parseTicketEvent(c('desk'), fixture('generic-ticket-created')));
    expect(e).toMatchObject({
      action: 'created',
      ticketId: '7781',
      eventId: 'evt_01HX3Q8W7T6Y5R4E3W2Q1A0S9D',
      fields: { title: 'Hamburg: DIA circuit flapping', priority: 'Urgent', type: 'Network', createdAt: '2024-05-01T04:45:00.000Z', reporter: 'Lena Hoffmann' },
    });
    const note = event(parseTicketEvent(c('desk'), fixture('generic-note-added')));
    expect(note).toMatchObject({
      action: 'commented',
      ticketId: '7781',
      comment: { id: '55012', text: 'The carrier opened ticket TT-99812 on their side.', author: 'Lena Hoffmann' },
    });
  });
  it('ignores event names it is not told about', () => {
    expect(parseTicketEvent(c('desk'), { action: 'ticket_merged', data: { ticket: { display_id: 1 } } })).toEqual({
      kind: 'ignored',
      reason: 'event ticket_merged is not handled',
    });
  });
});

describe('normalisation helpers', () => {
  it('reads the time formats the tools use', () => {
    expect(normalizeTime('2024-05-01T10:00:00.000+0200')).toBe('2024-05-01T08:00:00.000Z');
    expect(normalizeTime('2024-05-01 07:35:00')).toBe('2024-05-01T07:35:00.000Z');
    expect(normalizeTime(1_714_550_400)).toBe('2024-05-01T08:00:00.000Z');
    expect(normalizeTime('1714550400000')).toBe('2024-05-01T08:00:00.000Z');
    expect(normalizeTime('soon')).toBeUndefined();
  });
  it('flattens ADF paragraphs and mentions', () => {
    const doc = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { text: '@Ana' } },
            { type: 'text', text: ' please check' },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'thanks' }] },
      ],
    };
    expect(richText(doc)).toBe('@Ana please check\n\nthanks');
  });
});
