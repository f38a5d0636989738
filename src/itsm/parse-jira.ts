import { z } from 'zod';
import { normalizeTime, richText, type Issue, type Parsed, type TicketComment, type TicketFields } from './ticket-event.js';

/**
 * Jira Cloud and Jira Service Management webhooks: `jira:issue_created`, `jira:issue_updated`
 * (a changelog, and a comment when one was added with the change) and `comment_created`.
 * Bodies may be wiki-markup strings or Atlassian Document Format; both are read as text.
 */

const id = z.union([z.string().min(1), z.number()]).transform(String);
const named = z.looseObject({ name: z.string().nullish() }).nullish();
const user = z.looseObject({ displayName: z.string().nullish(), name: z.string().nullish(), accountId: z.string().nullish() }).nullish();

const commentSchema = z.looseObject({
  id,
  body: z.unknown().optional(),
  author: user,
  created: z.string().nullish(),
  jsdPublic: z.boolean().nullish(),
});

const issueSchema = z.looseObject({
  id: id.optional(),
  key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_]*-\d+$/, 'expected an issue key such as OPS-12'),
  self: z.string().nullish(),
  fields: z
    .looseObject({
      summary: z.string().nullish(),
      description: z.unknown().optional(),
      priority: named,
      issuetype: named,
      status: named,
      created: z.string().nullish(),
      reporter: user,
      labels: z.array(z.string()).nullish(),
    })
    .default({}),
});

export const jiraWebhookSchema = z.looseObject({
  webhookEvent: z.string().min(1),
  timestamp: z.number().optional(),
  issue_event_type_name: z.string().nullish(),
  issue: issueSchema.optional(),
  comment: commentSchema.optional(),
  changelog: z
    .looseObject({
      id: id.optional(),
      items: z.array(z.looseObject({ field: z.string().nullish(), fieldId: z.string().nullish() })).default([]),
    })
    .nullish(),
});
export type JiraWebhook = z.infer<typeof jiraWebhookSchema>;

export function parseJira(payload: unknown): Parsed {
  const parsed = jiraWebhookSchema.safeParse(payload);
  if (!parsed.success) return { kind: 'invalid', issues: zodIssues(parsed.error) };
  const p = parsed.data;
  const handled = ['jira:issue_created', 'jira:issue_updated', 'comment_created'];
  if (!handled.includes(p.webhookEvent)) return { kind: 'ignored', reason: `event ${p.webhookEvent} is not handled` };
  if (!p.issue) return { kind: 'invalid', issues: [{ path: 'issue', message: `is required for ${p.webhookEvent}` }] };
  const issue = p.issue;
  const f = issue.fields;
  const fields: TicketFields = {
    title: f.summary ?? undefined,
    description: richText(f.description),
    priority: f.priority?.name ?? undefined,
    type: f.issuetype?.name ?? undefined,
    status: f.status?.name ?? undefined,
    createdAt: normalizeTime(f.created ?? undefined),
    reporter: personName(f.reporter),
    labels: f.labels ?? undefined,
  };
  const at = normalizeTime(p.timestamp);
  const base = { ticketId: issue.key, at, fields, payload };

  if (p.webhookEvent === 'jira:issue_created') return { kind: 'event', event: { ...base, action: 'created', eventId: issue.id } };

  const comment = p.comment ? toComment(p.comment) : undefined;
  if (p.webhookEvent === 'comment_created') {
    if (!p.comment) return { kind: 'invalid', issues: [{ path: 'comment', message: 'is required for comment_created' }] };
    if (!comment) return { kind: 'ignored', reason: 'the comment has no text' };
    return { kind: 'event', event: { ...base, action: 'commented', eventId: comment.id, comment } };
  }

  const changed = new Set<'priority' | 'status'>();
  for (const item of p.changelog?.items ?? []) {
    const name = (item.fieldId ?? item.field ?? '').toLowerCase();
    if (name === 'priority') changed.add('priority');
    if (name === 'status') changed.add('status');
  }
  if (changed.size === 0 && !comment) return { kind: 'ignored', reason: 'no mapped field changed' };
  return {
    kind: 'event',
    event: { ...base, action: 'updated', eventId: p.changelog?.id, changed: [...changed], ...(comment ? { comment } : {}) },
  };
}

function toComment(c: z.infer<typeof commentSchema>): TicketComment | undefined {
  const text = richText(c.body);
  if (!text) return undefined;
  return {
    id: c.id,
    author: personName(c.author) ?? 'Jira user',
    text,
    ...(typeof c.jsdPublic === 'boolean' ? { public: c.jsdPublic } : {}),
    at: normalizeTime(c.created ?? undefined),
  };
}

function personName(u: z.infer<typeof user>): string | undefined {
  return u?.displayName ?? u?.name ?? u?.accountId ?? undefined;
}

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}
