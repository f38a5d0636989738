import { z } from 'zod';
import { zodIssues } from './parse-jira.js';
import { contentId, normalizeTime, type Parsed, type TicketAction, type TicketFields } from './ticket-event.js';

/**
 * Zendesk trigger (or automation) webhooks: the JSON body the admin pastes into the trigger's
 * "Notify webhook" action, filled in by Zendesk's placeholders. The ready bodies, one per event
 * (`created`, `updated`, `comment`), are in docs/zendesk.md. Bodies written for other consumers
 * with the same field names (`ticketId`, `title`, `description`, `status`, `requester`,
 * `createdAt`, `updatedAt`) are read too; without `event`, a ticket whose `createdAt` equals its
 * `updatedAt` has just been created, any other is an update.
 */

const text = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());

export const zendeskTriggerSchema = z.looseObject({
  event: z.string().optional(),
  ticketId: z.union([z.string().regex(/^\d+$/, 'a Zendesk ticket id (digits)'), z.number().int().positive()]).transform(String),
  title: text.optional(),
  description: text.optional(),
  priority: text.optional(),
  status: text.optional(),
  type: text.optional(),
  requester: text.optional(),
  url: text.optional(),
  tags: text.optional(),
  createdAt: text.optional(),
  updatedAt: text.optional(),
  comment: z.looseObject({ text: text.optional(), author: text.optional(), public: text.optional(), id: text.optional() }).optional(),
});

const ACTIONS: Record<string, TicketAction> = { created: 'created', updated: 'updated', comment: 'commented', commented: 'commented' };

/** Is this JSON a trigger body (as opposed to an event subscription's)? */
export function isTriggerBody(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'ticketId' in payload;
}

export function parseZendeskTrigger(payload: unknown): Parsed {
  const parsed = zendeskTriggerSchema.safeParse(payload);
  if (!parsed.success) return { kind: 'invalid', issues: zodIssues(parsed.error) };
  const p = parsed.data;
  const named = p.event?.trim().toLowerCase();
  const action = named ? ACTIONS[named] : p.createdAt && p.createdAt === p.updatedAt ? 'created' : 'updated';
  if (!action) return { kind: 'ignored', reason: `event ${p.event} is not handled (created, updated or comment)` };
  const fields: TicketFields = {
    title: filled(p.title),
    description: filled(p.description),
    priority: filled(p.priority),
    type: filled(p.type),
    status: filled(p.status),
    createdAt: zendeskTime(p.createdAt),
    reporter: filled(p.requester),
    url: url(p.url),
    labels: filled(p.tags)?.split(/\s+/),
  };
  const at = zendeskTime(p.updatedAt) ?? zendeskTime(p.createdAt);
  const base = { ticketId: p.ticketId, fields, payload, ...(at ? { at } : {}) };
  if (action === 'created') return { kind: 'event', event: { ...base, action } };
  if (action === 'updated')
    return { kind: 'event', event: { ...base, action, eventId: contentId(p.ticketId, p.updatedAt ?? '', p.status ?? '', p.priority ?? '') } };

  const body = filled(p.comment?.text);
  if (!body) return { kind: 'ignored', reason: 'the comment has no text' };
  const visibility = p.comment?.public?.toLowerCase();
  const comment = {
    // Placeholders give no comment id: the ticket, its update time and the text stand for one.
    id: filled(p.comment?.id) ?? contentId(p.ticketId, p.updatedAt ?? '', body),
    author: filled(p.comment?.author) ?? 'Zendesk user',
    text: body,
    ...(visibility === 'true' || visibility === 'false' ? { public: visibility === 'true' } : {}),
    ...(at ? { at } : {}),
  };
  return { kind: 'event', event: { ...base, action, comment } };
}

/** An unfilled placeholder renders as an empty string. */
function filled(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `{{ticket.url}}` renders without a scheme (`acme.zendesk.com/agent/tickets/1`). */
function url(value: string | undefined): string | undefined {
  const v = filled(value);
  if (!v) return undefined;
  return /^https?:\/\//i.test(v) ? v : `https://${v}`;
}

/** `*_with_timestamp` placeholders are ISO 8601 (`2026-12-01T21:40:00Z`); the plain ones read like `December 01, 2026 21:40` (UTC). */
function zendeskTime(value: string | undefined): string | undefined {
  const v = filled(value);
  if (!v) return undefined;
  const iso = normalizeTime(v);
  if (iso) return iso;
  const ms = Date.parse(`${v} UTC`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
