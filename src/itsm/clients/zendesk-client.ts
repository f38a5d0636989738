import type { ZendeskConnector } from '../routing-schema.js';
import { basicAuth, toolCaller } from './http.js';
import type { ClientContext, TicketClient } from './ticket-client.js';

type ZendeskOutbound = NonNullable<ZendeskConnector['outbound']>;

/** Zendesk Support API: a comment is added by updating the ticket; the audit names the comment's id. */
export function zendeskClient(o: ZendeskOutbound, ctx: ClientContext): TicketClient {
  const headers = { authorization: o.bearerToken ? `Bearer ${o.bearerToken}` : basicAuth(`${o.email}/token`, o.apiToken!) };
  const call = toolCaller('Zendesk', ctx);
  return {
    async addComment(ticketId, post, signal) {
      const url = `${o.baseUrl}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`;
      const body = { ticket: { comment: { body: post.text, public: o.public } } };
      const res = await call({ method: 'PUT', url, headers, body, signal });
      const events = (res.json as { audit?: { events?: { id?: unknown; type?: unknown }[] } } | undefined)?.audit?.events ?? [];
      const comment = events.find((e) => e.type === 'Comment');
      return { commentId: comment?.id === undefined ? undefined : String(comment.id) };
    },
    async findComment(ticketId, marker, signal) {
      const url = `${o.baseUrl}/api/v2/tickets/${encodeURIComponent(ticketId)}/comments.json?sort_order=desc&per_page=100`;
      const res = await call({ method: 'GET', url, headers, signal });
      const comments = (res.json as { comments?: { id?: unknown; body?: unknown }[] } | undefined)?.comments ?? [];
      const found = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
      return found ? { commentId: String(found.id) } : undefined;
    },
  };
}
