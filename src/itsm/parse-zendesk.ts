import { z } from 'zod';
import { zodIssues } from './parse-jira.js';
import { isTriggerBody, parseZendeskTrigger } from './parse-zendesk-trigger.js';
import { isZendeskTest } from '../test-notifications.js';
import { normalizeTime, type Parsed, type TicketFields } from './ticket-event.js';

/**
 * Zendesk: trigger webhooks (parse-zendesk-trigger.ts), Zendesk's webhook test, and ticket event
 * webhooks (`zen:event-type:ticket.*`): `ticket.created`,
 * `ticket.comment_added`, `ticket.priority_changed` and `ticket.status_changed`. The `detail`
 * object is the ticket as it is now; `event` holds what changed.
 */

const id = z.union([z.string().min(1), z.number()]).transform(String);

const commentSchema = z.looseObject({
  id,
  body: z.string().nullish(),
  is_public: z.boolean().nullish(),
  author: z.looseObject({ id: id.nullish(), name: z.string().nullish(), is_staff: z.boolean().nullish() }).nullish(),
});

export const zendeskEventSchema = z.looseObject({
  type: z.string().min(1),
  id: z.string().min(1).optional(),
  time: z.string().optional(),
  detail: z.looseObject({
    id,
    subject: z.string().nullish(),
    description: z.string().nullish(),
    priority: z.string().nullish(),
    status: z.string().nullish(),
    type: z.string().nullish(),
    created_at: z.string().nullish(),
    requester_id: id.nullish(),
    tags: z.array(z.string()).nullish(),
  }),
  event: z.looseObject({ comment: commentSchema.optional(), current: z.unknown().optional(), previous: z.unknown().optional() }).default({}),
});

const PREFIX = 'zen:event-type:ticket.';

/** What a body that is neither kind is told. */
export const ZENDESK_SHAPES =
  'expected a Zendesk event-subscription payload (type zen:event-type:ticket.*, with detail) or a trigger webhook body (ticketId, event: the bodies to paste are in docs/zendesk.md)';

export function parseZendesk(payload: unknown): Parsed {
  if (isZendeskTest(payload)) return { kind: 'test', reason: 'Zendesk webhook test' };
  if (isTriggerBody(payload)) return parseZendeskTrigger(payload);
  if (!payload || typeof payload !== 'object' || typeof (payload as { type?: unknown }).type !== 'string') {
    return { kind: 'invalid', issues: [{ path: '(body)', message: ZENDESK_SHAPES }] };
  }
  const type = (payload as { type: string }).type;
  if (!type.startsWith(PREFIX)) return { kind: 'ignored', reason: `event ${type} is not handled` };
  const parsed = zendeskEventSchema.safeParse(payload);
  if (!parsed.success) return { kind: 'invalid', issues: zodIssues(parsed.error) };
  const p = parsed.data;
  const d = p.detail;
  const fields: TicketFields = {
    title: d.subject ?? undefined,
    description: d.description ?? undefined,
    priority: d.priority ?? undefined,
    type: d.type ?? undefined,
    status: d.status ?? undefined,
    createdAt: normalizeTime(d.created_at ?? undefined),
    reporter: d.requester_id ?? undefined,
    labels: d.tags ?? undefined,
  };
  const base = { ticketId: d.id, eventId: p.id, at: normalizeTime(p.time), fields, payload };
  const current = typeof p.event.current === 'string' ? p.event.current : undefined;

  switch (p.type.slice(PREFIX.length)) {
    case 'created':
      return { kind: 'event', event: { ...base, action: 'created' } };
    case 'priority_changed':
      return { kind: 'event', event: { ...base, action: 'updated', changed: ['priority'], fields: { ...fields, priority: current ?? fields.priority } } };
    case 'status_changed':
      return { kind: 'event', event: { ...base, action: 'updated', changed: ['status'], fields: { ...fields, status: current ?? fields.status } } };
    case 'comment_added': {
      const c = p.event.comment;
      if (!c) return { kind: 'invalid', issues: [{ path: 'event.comment', message: 'is required for ticket.comment_added' }] };
      const text = c.body?.trim();
      if (!text) return { kind: 'ignored', reason: 'the comment has no text' };
      const comment = {
        id: c.id,
        author: c.author?.name ?? (c.author?.id ? `Zendesk user ${c.author.id}` : 'Zendesk user'),
        text,
        ...(typeof c.is_public === 'boolean' ? { public: c.is_public } : {}),
        at: normalizeTime(p.time),
      };
      return { kind: 'event', event: { ...base, action: 'commented', comment } };
    }
    default:
      return { kind: 'ignored', reason: `event ${p.type} is not handled` };
  }
}
