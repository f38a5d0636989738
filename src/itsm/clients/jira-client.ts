import type { JiraConnector } from '../routing-schema.js';
import { richText } from '../ticket-event.js';
import { basicAuth, toolCaller } from './http.js';
import type { ClientContext, TicketClient } from './ticket-client.js';

type JiraOutbound = NonNullable<JiraConnector['outbound']>;

/** Jira Cloud REST v3: comments are Atlassian Document Format. */
export function jiraClient(o: JiraOutbound, ctx: ClientContext): TicketClient {
  const headers = { authorization: o.bearerToken ? `Bearer ${o.bearerToken}` : basicAuth(o.email!, o.apiToken!) };
  const commentsUrl = (key: string) => `${o.baseUrl}/rest/api/3/issue/${encodeURIComponent(key)}/comment`;
  const call = toolCaller('Jira', ctx);
  return {
    async addComment(ticketId, post, signal) {
      const body = {
        body: toAdf(post.text),
        // Jira Service Management keeps a comment internal (agents only) through this property.
        ...(o.internal ? { properties: [{ key: 'sd.public.comment', value: { internal: true } }] } : {}),
      };
      const res = await call({ method: 'POST', url: commentsUrl(ticketId), headers, body, signal });
      const id = (res.json as { id?: unknown } | undefined)?.id;
      return { commentId: id === undefined ? undefined : String(id) };
    },
    async findComment(ticketId, marker, signal) {
      const url = `${commentsUrl(ticketId)}?orderBy=-created&maxResults=100`;
      const res = await call({ method: 'GET', url, headers, signal });
      const comments = (res.json as { comments?: { id?: unknown; body?: unknown }[] } | undefined)?.comments ?? [];
      const found = comments.find((c) => richText(c.body)?.includes(marker));
      return found ? { commentId: String(found.id) } : undefined;
    },
  };
}

/** Plain text as an ADF document: a paragraph per blank-line-separated block, hard breaks within. */
export function toAdf(text: string): unknown {
  const blocks = text.split(/\n{2,}/).filter((b) => b.trim() !== '');
  return {
    type: 'doc',
    version: 1,
    content: blocks.map((block) => ({
      type: 'paragraph',
      content: block.split('\n').flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]),
    })),
  };
}
