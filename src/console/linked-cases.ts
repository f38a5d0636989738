import type { Core } from '../core.js';

/** What the console reads of linked cases: their links, and the routing that names their tools. */
type LinkedCasesDeps = Pick<Core, 'config' | 'redis' | 'keys' | 'sync'>;
import { ticketTarget } from '../itsm/reply-sink.js';
import type { CaseMeta } from '../journal/journal.js';
import type { Link } from '../writes/catalog.js';

/** Linked cases read for the list at most (the set is scanned once, not read whole). */
const LINKED_READ = 1000;

/** What the links of a case say about its origins (for a case the journal has no timeline of). */
function fromLinks(core: LinkedCasesDeps, caseId: string, links: Link[]): CaseMeta {
  const meta: CaseMeta = { subject: `c:${caseId}`, caseId, status: 'linked', lastAt: 0 };
  for (const link of links) {
    const d = link.data as Record<string, unknown>;
    if (link.kind === 'slack' && typeof d.channel === 'string')
      Object.assign(meta, { channel: d.channel, threadTs: typeof d.threadTs === 'string' ? d.threadTs : undefined });
    const ticket = link.kind === 'itsm' ? ticketTarget(d) : undefined;
    if (ticket)
      Object.assign(meta, { ticket: ticket.ticketId, connector: ticket.connector, tool: core.config.routing.itsm?.connectors[ticket.connector]?.tool });
    if (link.kind === 'alert' && typeof d.incident === 'string') meta.incident = d.incident;
  }
  return meta;
}

/**
 * Cases the bridge mirrors but has no timeline of (linked before the journal kept one, or whose
 * timeline has expired), so that the list shows every case the bridge knows.
 */
export async function linkedCasesBeyond(core: LinkedCasesDeps, known: CaseMeta[]): Promise<CaseMeta[]> {
  const seen = new Set(known.map((m) => m.caseId).filter(Boolean));
  const [, ids] = await core.redis.sscan(core.keys.linkedCases, '0', 'COUNT', LINKED_READ);
  const missing = ids.filter((id) => !seen.has(id));
  const links = await Promise.all(missing.map((id) => core.sync.links(id)));
  return missing.map((caseId, i) => fromLinks(core, caseId, links[i]!));
}

/** The console's view of one linked case without a timeline, if the bridge mirrors it. */
export async function linkedCase(core: LinkedCasesDeps, caseId: string): Promise<CaseMeta | undefined> {
  const links = await core.sync.links(caseId);
  return links.length ? fromLinks(core, caseId, links) : undefined;
}
