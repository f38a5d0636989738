// The sandbox's own page (/sandbox/): its cases and messages as an expereo engineer sees them.
import { DEFAULT_ENGINEER } from './routes/hooks.js';
import type { Case, CaseMessage } from './types.js';

/** Statuses an engineer can set from the page (the API accepts others). */
export const PAGE_STATUSES = ['New', 'In Progress', 'Pending Customer', 'Resolved', 'Closed'] as const;

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#0b3d5c;color:#fff;padding:.6rem 1rem}header a{color:#fff}
main{padding:1rem;max-width:60rem;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:.4rem;border-bottom:1px solid #dde;text-align:left;vertical-align:top}
.msg{background:#fff;border:1px solid #dde;border-radius:6px;padding:.5rem .7rem;margin:.5rem 0}
.Support{border-left:4px solid #0b7a3e}.Customer{border-left:4px solid #5a6b7b}
.meta{color:#5a6b7b;font-size:.85em}form{margin:.8rem 0}textarea,input,select,button{font:inherit;max-width:100%}
textarea{width:100%;box-sizing:border-box}
@media (max-width:40rem){td:nth-child(n+4),th:nth-child(n+4){display:none}}
`;

// Reloads the case page every 5 s to show the bridge's new messages, unless a reply is being typed.
const SCRIPT = `setInterval(function(){var t=document.querySelector('textarea');if(document.visibilityState==='visible'&&(!t||(t.value===''&&document.activeElement!==t)))location.reload()},5000);`;

function layout(title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · expereoOne sandbox</title><style>${CSS}</style></head><body>
<header><strong>expereoOne sandbox</strong> · the vendor's side · <a href="/sandbox/">Cases</a></header>
<main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

/** Cases, latest activity first (a case the bridge opened or wrote to comes first). */
export function casesPage(cases: readonly Case[], query: string, notice?: string, limit = 100): string {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = cases
    .filter((c) => {
      const text = [c.caseId, c.subject, c.status, c.customerReference ?? '', c.description, c.serviceId].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .toSorted((a, b) => b.lastModifiedDate.localeCompare(a.lastModifiedDate));
  const rows = matching
    .slice(0, limit)
    .map(
      (c) =>
        `<tr><td><a href="/sandbox/case/${encodeURIComponent(c.caseId)}">${esc(c.caseId)}</a></td><td>${esc(c.status)}</td><td>${esc(firstLine(c.description) || c.subject)}</td><td>${esc(c.customerReference ?? '')}</td><td>${esc(c.lastModifiedDate)}</td></tr>`,
    )
    .join('');
  return layout(
    'Cases',
    `<h1>Cases</h1>
${notice ? `<p role="status"><strong>${esc(notice)}</strong></p>` : ''}
<p>What expereo's engineers see: every case in this sandbox, latest activity first. Open one to reply as an engineer or change its status; the bridge finds the change on its next read.</p>
<form method="get" action="/sandbox/"><input name="q" value="${esc(query)}" placeholder="case id, reference, status…" aria-label="Search"> <button>Search</button></form>
<p class="meta">${matching.length} case${matching.length === 1 ? '' : 's'}${matching.length > limit ? `, the latest ${limit} shown` : ''}</p>
<table><thead><tr><th>Case</th><th>Status</th><th>About</th><th>Reference</th><th>Last activity</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export function casePage(kase: Case, messages: readonly CaseMessage[], notice?: string): string {
  const options = [...new Set([kase.status, ...PAGE_STATUSES])].map((s) => `<option${s === kase.status ? ' selected' : ''}>${esc(s)}</option>`).join('');
  const list = messages
    .map(
      (m) =>
        `<div class="msg ${m.type}"><div class="meta">${esc(m.sentBy)} · ${m.type === 'Support' ? 'expereo' : 'customer'} · ${esc(m.timestamp)}</div><div>${esc(m.message).replace(/\n/g, '<br>')}</div></div>`,
    )
    .join('');
  const path = `/sandbox/case/${encodeURIComponent(kase.caseId)}`;
  return layout(
    kase.caseId,
    `<h1>${esc(kase.caseId)}: ${esc(firstLine(kase.description) || kase.subject)}</h1>
${notice ? `<p role="status"><strong>${esc(notice)}</strong></p>` : ''}
<p class="meta">${esc(kase.type)} · ${esc(kase.subject)} · ${esc(kase.priority)} · service ${esc(kase.serviceId)} · account ${esc(kase.accountId)}${kase.customerReference ? ` · reference ${esc(kase.customerReference)}` : ''} · status <strong id="status">${esc(kase.status)}</strong></p>
<form method="post" action="${path}/status"><label>Status <select name="status">${options}</select></label> <button>Set status</button></form>
<h2>Messages</h2>${list || '<p>No messages yet.</p>'}
<form method="post" action="${path}/reply"><label for="message">Reply as an expereo engineer</label>
<textarea id="message" name="message" rows="3" required></textarea>
<label>Signed <input name="sentBy" value="${esc(DEFAULT_ENGINEER)}"></label> <button>Send reply</button></form>`,
    SCRIPT,
  );
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 120);
}
