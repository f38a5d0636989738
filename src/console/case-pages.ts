import type { CaseMeta, JournalEvent } from '../journal/journal.js';
import { esc, page, pill, time, type Html, type PageContext } from './html.js';
import { caseLabel, originCells, type OriginLinker } from './links.js';

export const timelineHref = (subject: string) => `/console/case?s=${encodeURIComponent(subject)}`;

/** Whether a case matches a search: any of its ids, origins or title contains every word. */
export function matches(meta: CaseMeta, query: string): boolean {
  const hay = [meta.caseId, meta.createKey, meta.ticket, meta.incident, meta.channel, meta.threadTs, meta.ref, meta.title, meta.connector, meta.subject]
    .join(' ')
    .toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

export function casesPage(ctx: PageContext, cases: CaseMeta[], query: string, linker: OriginLinker, total: number): Html {
  const rows = cases.map(
    (m) => `<tr>
<td data-label="Case"><a href="${timelineHref(m.subject)}">${esc(caseLabel(m))}</a>${m.title ? `<div class="small muted">${esc(m.title)}</div>` : ''}</td>
<td data-label="Origin">${originCells(m, linker).join('<br>') || '<span class="muted">–</span>'}</td>
<td data-label="Status">${pill(m.status)} ${m.phase ? pill(m.phase) : ''}</td>
<td data-label="Last activity">${time(m.lastAt)}<div class="small muted">${esc(m.last ?? '')}</div></td>
</tr>`,
  );
  const body = `<h1>Cases</h1>
<section><form method="get" action="/console/cases" role="search">
<label class="muted small" for="q">Search by case id, ticket, alert group or incident, Slack channel</label><br>
<input id="q" type="search" name="q" value="${esc(query)}" placeholder="e.g. CS-1001, ABC-12, C0123, HighLatency">
<button type="submit">Search</button></form></section>
<section><p class="muted small">${cases.length} of ${total} case${total === 1 ? '' : 's'}, latest activity first.</p>
${rows.length ? `<table class="cards"><thead><tr><th>Case</th><th>Origin</th><th>Status</th><th>Last activity</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No case matches.</p>'}
</section>`;
  return page('Cases', 'cases', ctx, body);
}

const IDS: [keyof CaseMeta, string][] = [
  ['caseId', 'case'],
  ['title', 'title'],
  ['status', 'status'],
  ['createKey', 'create key'],
  ['incident', 'alert incident'],
  ['phase', 'incident state'],
  ['ticket', 'ticket'],
  ['channel', 'Slack channel'],
  ['threadTs', 'Slack thread'],
];

function eventLine(e: JournalEvent): Html {
  const ids = [e.writeKey && `write ${e.writeKey}`, e.lane && `lane ${e.lane}`, e.sink && `sink ${e.sink}`].filter(Boolean).join(' · ');
  return `<li data-event="${esc(e.type)}">${time(e.at)}${pill(e.type)} ${esc(e.text)}${ids ? `<div class="small muted">${esc(ids)}</div>` : ''}</li>`;
}

export function timelinePage(ctx: PageContext, subject: string, meta: CaseMeta | undefined, events: JournalEvent[], linker: OriginLinker): Html {
  if (!meta)
    return page(
      'Case',
      'cases',
      ctx,
      `<h1>Not found</h1><section><p>The bridge has no timeline for ${esc(subject)}: it never saw it, or the timeline was quiet longer than <code>JOURNAL_TTL</code>.</p><p><a href="/console/cases">All cases</a></p></section>`,
    );
  const ids = IDS.filter(([k]) => meta[k]).map(([k, label]) => `<dt>${label}</dt><dd>${esc(meta[k])}</dd>`);
  const origins = originCells(meta, linker);
  const body = `<h1>Case ${esc(caseLabel(meta))}</h1>
<section><dl class="ids">${ids.join('')}${origins.length ? `<dt>origin</dt><dd>${origins.join('<br>')}</dd>` : ''}<dt>last activity</dt><dd>${time(meta.lastAt)}</dd></dl></section>
<section><h2>Timeline</h2>${events.length ? `<ol class="timeline">${events.map(eventLine).join('')}</ol>` : '<p class="muted">No events recorded: the bridge mirrors this case, but its timeline has expired or was never kept.</p>'}</section>`;
  return page(`Case ${caseLabel(meta)}`, 'cases', ctx, body);
}
