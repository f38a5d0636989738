import { textAt, textsAt } from './field-path.js';
import type { FieldPaths, GenericConnector, ServiceNowConnector } from './routing-schema.js';
import { contentId, normalizeTime, type Parsed, type TicketAction, type TicketComment, type TicketFields } from './ticket-event.js';

/**
 * Payloads whose shape the customer defines: a ServiceNow business rule (outbound REST message)
 * or any other tool (generic connector). Every part is found by a configured field path; these
 * defaults describe the payload the setup guide recommends for each.
 *
 * ServiceNow (script of an after insert/update business rule on `incident`, and one on
 * `sys_journal_field` for comments):
 * `{ event, event_id, sys_id, number, short_description, description, priority, category, state,
 *    opened_at, caller, url, changed: ["priority"], comment: { sys_id, value, author, created_on } }`
 *
 * Generic: `{ event, id, ticket: { id, number, title, description, priority, type, status,
 *    createdAt, reporter, url, labels }, changes: [...], comment: { id, text, author, createdAt, public } }`
 */
export const DEFAULT_PATHS: Record<'servicenow' | 'generic', Required<Omit<FieldPaths, 'deliveryId' | 'timestamp'>> & FieldPaths> = {
  servicenow: {
    event: 'event',
    eventId: 'event_id',
    ticketId: 'sys_id',
    ticketNumber: 'number',
    title: 'short_description',
    description: 'description',
    priority: 'priority',
    type: 'category',
    status: 'state',
    createdAt: 'opened_at',
    reporter: 'caller',
    url: 'url',
    labels: 'labels',
    changed: 'changed',
    commentId: 'comment.sys_id',
    commentText: 'comment.value',
    commentAuthor: 'comment.author',
    commentAt: 'comment.created_on',
    commentPublic: 'comment.public',
  },
  generic: {
    event: 'event',
    eventId: 'id',
    ticketId: 'ticket.id',
    ticketNumber: 'ticket.number',
    title: 'ticket.title',
    description: 'ticket.description',
    priority: 'ticket.priority',
    type: 'ticket.type',
    status: 'ticket.status',
    createdAt: 'ticket.createdAt',
    reporter: 'ticket.reporter',
    url: 'ticket.url',
    labels: 'ticket.labels',
    changed: 'changes',
    commentId: 'comment.id',
    commentText: 'comment.text',
    commentAuthor: 'comment.author',
    commentAt: 'comment.createdAt',
    commentPublic: 'comment.public',
  },
};

const DEFAULT_EVENTS: Record<TicketAction, string[]> = {
  created: ['created', 'create', 'insert', 'inserted', 'ticket.created', 'ticket_created', 'opened'],
  updated: ['updated', 'update', 'ticket.updated', 'ticket_updated', 'changed'],
  commented: ['commented', 'comment', 'comment_added', 'comment.created', 'comment_created', 'work_note', 'work_notes', 'ticket.commented'],
};

export function pathsOf(connector: ServiceNowConnector | GenericConnector): FieldPaths & typeof DEFAULT_PATHS.generic {
  return { ...DEFAULT_PATHS[connector.tool], ...connector.fieldPaths };
}

export function parseDeclarative(connector: ServiceNowConnector | GenericConnector, payload: unknown): Parsed {
  const paths = pathsOf(connector);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { kind: 'invalid', issues: [{ path: '(root)', message: 'expected a JSON object' }] };
  }
  const eventName = textAt(payload, paths.event)?.toLowerCase();
  const ticketId = textAt(payload, paths.ticketId);
  const issues = [
    ...(eventName ? [] : [{ path: paths.event, message: 'is required: the event name' }]),
    ...(ticketId ? [] : [{ path: paths.ticketId, message: 'is required: the ticket id' }]),
  ];
  if (!eventName || !ticketId) return { kind: 'invalid', issues };
  const action = actionOf(eventName, connector.events);
  if (!action) return { kind: 'ignored', reason: `event ${eventName} is not handled` };

  const fields: TicketFields = {
    title: textAt(payload, paths.title),
    description: textAt(payload, paths.description),
    priority: textAt(payload, paths.priority),
    type: textAt(payload, paths.type),
    status: textAt(payload, paths.status),
    createdAt: normalizeTime(textAt(payload, paths.createdAt)),
    reporter: textAt(payload, paths.reporter),
    url: textAt(payload, paths.url),
    labels: paths.labels ? textsAt(payload, paths.labels) : undefined,
  };
  const at = normalizeTime(textAt(payload, paths.timestamp));
  const base = { ticketId, ticketNumber: textAt(payload, paths.ticketNumber), eventId: textAt(payload, paths.eventId), at, fields, payload };

  const commentText = textAt(payload, paths.commentText);
  const comment: TicketComment | undefined = commentText
    ? {
        id: textAt(payload, paths.commentId) ?? contentId(ticketId, commentText, textAt(payload, paths.commentAt) ?? ''),
        author: textAt(payload, paths.commentAuthor) ?? `${connector.label ?? connector.tool} user`,
        text: commentText,
        ...publicFlag(textAt(payload, paths.commentPublic)),
        at: normalizeTime(textAt(payload, paths.commentAt)),
      }
    : undefined;

  if (action === 'created') return { kind: 'event', event: { ...base, action } };
  if (action === 'commented') {
    if (!comment) return { kind: 'invalid', issues: [{ path: paths.commentText, message: 'is required for a comment event' }] };
    return { kind: 'event', event: { ...base, action, comment } };
  }
  const changedNames = textsAt(payload, paths.changed)
    .flatMap((t) => t.split(','))
    .map((t) => t.trim().toLowerCase());
  const changed = changedNames.length === 0 ? undefined : normaliseChanged(changedNames, paths);
  return { kind: 'event', event: { ...base, action, ...(changed ? { changed } : {}), ...(comment ? { comment } : {}) } };
}

function actionOf(name: string, extra: ServiceNowConnector['events']): TicketAction | undefined {
  for (const action of ['created', 'updated', 'commented'] as const) {
    const names = [...DEFAULT_EVENTS[action], ...(extra[action] ?? []).map((n) => n.toLowerCase())];
    if (names.includes(name)) return action;
  }
  return undefined;
}

/** `priority`/`status`, or the last segment of the configured paths (`state` in ServiceNow). */
function normaliseChanged(names: string[], paths: FieldPaths): ('priority' | 'status')[] {
  const last = (p: string | undefined) =>
    p
      ?.split(/[.[\]"]+/)
      .filter(Boolean)
      .pop()
      ?.toLowerCase();
  const out = new Set<'priority' | 'status'>();
  for (const n of names) {
    if (n === 'priority' || n === last(paths.priority)) out.add('priority');
    if (n === 'status' || n === 'state' || n === last(paths.status)) out.add('status');
  }
  return [...out];
}

function publicFlag(value: string | undefined): { public?: boolean } {
  if (value === undefined) return {};
  const v = value.toLowerCase();
  if (['true', '1', 'yes', 'public', 'comments'].includes(v)) return { public: true };
  if (['false', '0', 'no', 'internal', 'private', 'work_notes'].includes(v)) return { public: false };
  return {};
}
