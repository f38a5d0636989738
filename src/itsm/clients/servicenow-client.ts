import type { ServiceNowConnector } from '../routing-schema.js';
import { basicAuth, toolCaller } from './http.js';
import type { ClientContext, TicketClient } from './ticket-client.js';

type ServiceNowOutbound = NonNullable<ServiceNowConnector['outbound']>;

/**
 * ServiceNow Table API: a PATCH of the record's journal field (`work_notes` or `comments`) adds an
 * entry. The API does not return the entry's id; a lost answer is checked in `sys_journal_field`.
 */
export function serviceNowClient(o: ServiceNowOutbound, ctx: ClientContext): TicketClient {
  const headers = { authorization: o.bearerToken ? `Bearer ${o.bearerToken}` : basicAuth(o.username!, o.password!) };
  const call = toolCaller('ServiceNow', ctx);
  return {
    async addComment(sysId, post, signal) {
      const url = `${o.baseUrl}/api/now/table/${o.table}/${encodeURIComponent(sysId)}?sysparm_fields=sys_id`;
      await call({ method: 'PATCH', url, headers, body: { [o.mode]: post.text }, signal });
      return {};
    },
    async findComment(sysId, marker, signal) {
      const query = `element_id=${sysId}^element=${o.mode}^valueLIKE${marker}`;
      const url = `${o.baseUrl}/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=sys_id&sysparm_limit=1`;
      const res = await call({ method: 'GET', url, headers, signal });
      const first = (res.json as { result?: { sys_id?: unknown }[] } | undefined)?.result?.[0];
      return first ? { commentId: first.sys_id === undefined ? undefined : String(first.sys_id) } : undefined;
    },
  };
}
