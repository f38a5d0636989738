import { createHash } from 'node:crypto';

/**
 * One inbound ticket event, whatever tool sent it: every parser produces this, and the mapping to
 * case writes reads only this (plus the raw payload, for configured paths).
 */
export interface TicketFields {
  title?: string;
  description?: string;
  priority?: string;
  type?: string;
  status?: string;
  /** When the ticket was opened (ISO 8601). */
  createdAt?: string;
  reporter?: string;
  url?: string;
  labels?: string[];
}

export interface TicketComment {
  id: string;
  author: string;
  text: string;
  /** False for internal notes; undefined when the tool does not say. */
  public?: boolean;
  at?: string;
}

export type TicketAction = 'created' | 'updated' | 'commented';

export interface TicketEvent {
  action: TicketAction;
  /** The tool's id for the ticket (Jira issue key, Zendesk ticket id, ServiceNow sys_id). */
  ticketId: string;
  /** What people call the ticket (INC0010001), when it differs from the id. */
  ticketNumber?: string;
  /** Stable id of this change (Jira changelog id, Zendesk event id), when the tool gives one. */
  eventId?: string;
  /** When it happened (ISO 8601). */
  at?: string;
  fields: TicketFields;
  /** Normalised names of the fields an update changed; undefined when the tool does not say. */
  changed?: ('priority' | 'status')[];
  comment?: TicketComment;
  /** The tool's own JSON, for configured `payload.` paths. */
  payload: unknown;
}

export interface Issue {
  path: string;
  message: string;
}

export type Parsed = { kind: 'event'; event: TicketEvent } | { kind: 'ignored'; reason: string } | { kind: 'invalid'; issues: Issue[] };

/**
 * A time in any of the forms the tools use, as canonical ISO 8601: `2024-05-01T10:00:00.000+0100`
 * (Jira), `2024-05-01 10:00:00` (ServiceNow, UTC), epoch seconds or milliseconds.
 */
export function normalizeTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value < 1e11 ? value * 1000 : value;
    return new Date(ms).toISOString();
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let text = value.trim();
  if (/^\d{9,14}$/.test(text)) return normalizeTime(Number(text));
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text)) text = `${text.replace(' ', 'T')}Z`;
  text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A tool's id as part of an idempotency key or Redis key: kept as is when short and plain, else
 * a hash (keys are printable ASCII without spaces and at most 200 characters).
 */
export function keyPart(id: string, max = 64): string {
  if (id.length <= max && SAFE_PART.test(id)) return id;
  return `h${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
}

/** The conversation id of a ticket: the link id, the origin ref and the create's idempotency key. */
export function ticketRef(connector: string, ticketId: string): string {
  return `itsm:${connector}:${keyPart(ticketId)}`;
}

/** A hash that stands in for an id the tool did not give (identical bodies: same delivery). */
export function contentId(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return `h${h.digest('hex').slice(0, 24)}`;
}

/** Plain text of Atlassian Document Format (Jira Cloud's rich text), or of a plain string. */
export function richText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (value === null || typeof value !== 'object') return undefined;
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 50 || node === null || typeof node !== 'object') return;
    const n = node as { type?: unknown; text?: unknown; content?: unknown; attrs?: { text?: unknown } };
    if (n.type === 'text' && typeof n.text === 'string') out.push(n.text);
    else if (n.type === 'hardBreak') out.push('\n');
    else if (n.type === 'mention' && typeof n.attrs?.text === 'string') out.push(n.attrs.text);
    if (Array.isArray(n.content)) for (const child of n.content) walk(child, depth + 1);
    if (n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem' || n.type === 'codeBlock') out.push('\n\n');
  };
  walk(value, 0);
  const text = out
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text === '' ? undefined : text;
}
