import type { Config } from '../config/config.js';
import type { CaseMeta } from '../journal/journal.js';
import { esc, type Html } from './html.js';

/** Where a case's origins can be opened: its Slack thread, its ticket, its alert incident. */
export interface OriginLinker {
  ticketUrl(connector: string | undefined, ticket: string): string | undefined;
}

/** Ticket pages of the tools whose outbound settings name their base URL. */
export function originLinker(config: Readonly<Config>): OriginLinker {
  const connectors = config.routing.itsm?.connectors ?? {};
  return {
    ticketUrl(connector, ticket) {
      const c = connector ? connectors[connector] : undefined;
      const base = c?.outbound && 'baseUrl' in c.outbound ? String(c.outbound.baseUrl).replace(/\/+$/, '') : undefined;
      if (!c || !base) return undefined;
      const id = encodeURIComponent(ticket);
      if (c.tool === 'jira') return `${base}/browse/${id}`;
      if (c.tool === 'zendesk') return `${base}/agent/tickets/${id}`;
      if (c.tool === 'servicenow') return `${base}/nav_to.do?uri=${encodeURIComponent(`task.do?sys_id=${ticket}`)}`;
      return undefined;
    },
  };
}

const a = (href: string | undefined, text: string): Html => (href ? `<a href="${esc(href)}" rel="noreferrer">${esc(text)}</a>` : esc(text));

/** One line per origin of the case, each with its link where there is one. */
export function originCells(meta: CaseMeta, linker: OriginLinker): Html[] {
  const out: Html[] = [];
  if (meta.channel) {
    const thread = meta.threadTs ? ` · thread ${esc(meta.threadTs)}` : '';
    out.push(`Slack ${a(`https://slack.com/app_redirect?channel=${encodeURIComponent(meta.channel)}`, `#${meta.channel}`)}${thread}`);
  }
  if (meta.ticket)
    out.push(
      `${esc(meta.tool ?? 'ticket')} ${a(linker.ticketUrl(meta.connector, meta.ticket), meta.ticket)}${meta.connector ? ` <span class="muted">(${esc(meta.connector)})</span>` : ''}`,
    );
  if (meta.incident) out.push(`alert ${a(`/console/case?s=${encodeURIComponent(`o:alert:${meta.incident}`)}`, meta.incident)}`);
  if (out.length === 0 && meta.origin) out.push(esc(`${meta.origin} ${meta.ref ?? ''}`));
  return out;
}

/** The console's name for a timeline: its case id, else what it is waiting for. */
export function caseLabel(meta: CaseMeta): string {
  if (meta.caseId) return meta.caseId;
  if (meta.createKey) return 'being created';
  return meta.incident ? 'no case yet' : meta.subject;
}
