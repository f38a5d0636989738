import type { ConnectorConfig } from '../routing-schema.js';
import { genericClient } from './generic-client.js';
import { jiraClient } from './jira-client.js';
import { serviceNowClient } from './servicenow-client.js';
import type { ClientContext, TicketClient } from './ticket-client.js';
import { zendeskClient } from './zendesk-client.js';

/** The comment writer of a connector, or undefined when it has no outbound settings. */
export function clientFor(name: string, connector: ConnectorConfig, ctx: Omit<ClientContext, 'timeoutMs'>): TicketClient | undefined {
  const c = { ...ctx, timeoutMs: connector.timeoutMs };
  switch (connector.tool) {
    case 'jira':
      return connector.outbound ? jiraClient(connector.outbound, c) : undefined;
    case 'servicenow':
      return connector.outbound ? serviceNowClient(connector.outbound, c) : undefined;
    case 'zendesk':
      return connector.outbound ? zendeskClient(connector.outbound, c) : undefined;
    case 'generic':
      return connector.outbound ? genericClient(name, connector.outbound, c) : undefined;
  }
}
