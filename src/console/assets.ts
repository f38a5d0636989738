/**
 * The console's style sheet and script, served by the bridge itself (no build step, no CDN). The
 * script only adds comfort: local times, and the Now page's refresh.
 */
export const CONSOLE_CSS = `
:root { --fg:#1d232b; --muted:#5d6875; --line:#d8dee4; --bg:#f6f8fa; --accent:#0b5cad; --bad:#b42318; --ok:#1a7f37; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:.25rem 1rem; align-items:center; padding:.6rem 1rem; background:#fff; border-bottom:1px solid var(--line); }
header strong { margin-right:auto; }
header a, header button { color:var(--accent); text-decoration:none; }
header a[aria-current=page] { font-weight:600; text-decoration:underline; }
main { padding:1rem; max-width:1100px; margin:0 auto; }
h1 { font-size:1.3rem; margin:.2rem 0 1rem; } h2 { font-size:1.05rem; margin:1.5rem 0 .5rem; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; margin-bottom:1rem; overflow-x:auto; }
table { border-collapse:collapse; width:100%; } th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; text-transform:uppercase; color:var(--muted); font-weight:600; }
a { color:var(--accent); } .muted { color:var(--muted); } .small { font-size:.85rem; }
.pill { display:inline-block; padding:0 .45rem; border-radius:1rem; font-size:.8rem; background:#eef1f4; white-space:nowrap; }
.pill.dead, .pill.undelivered, .pill.bad { background:#fde8e6; color:var(--bad); } .pill.sent, .pill.delivered, .pill.ok { background:#e6f4ea; color:var(--ok); }
.pill.retried, .pill.held, .pill.flapping, .pill.firing { background:#fff4d6; color:var(--warn); }
form.inline { display:inline; } input[type=search], input[type=password] { font:inherit; padding:.4rem .5rem; border:1px solid var(--line); border-radius:4px; width:100%; max-width:28rem; }
button { font:inherit; padding:.35rem .8rem; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; cursor:pointer; }
button.link { background:none; border:none; padding:0; color:var(--accent); }
.notice { padding:.5rem .8rem; border-radius:4px; background:#e6f4ea; margin-bottom:1rem; } .notice.bad { background:#fde8e6; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(280px, 1fr)); gap:1rem; }
.grid section { margin:0; } figure.chart { margin:0; } svg { max-width:100%; height:auto; }
ol.timeline { list-style:none; padding:0; margin:0; } ol.timeline li { padding:.45rem 0; border-bottom:1px solid var(--line); }
ol.timeline time { color:var(--muted); font-size:.85rem; margin-right:.4rem; }
dl.ids { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:0; } dl.ids dt { color:var(--muted); }
@media (max-width: 600px) {
  table.cards thead { display:none; } table.cards tr { display:block; border-bottom:1px solid var(--line); padding:.4rem 0; }
  table.cards td { display:block; border:none; padding:.1rem 0; } table.cards td[data-label]::before { content: attr(data-label) ": "; color:var(--muted); }
}
`;

export const CONSOLE_JS = `
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!Number.isNaN(d.getTime())) { t.title = d.toISOString(); t.textContent = d.toLocaleString(); }
}
const refresh = document.querySelector('[data-refresh]');
if (refresh) {
  const box = refresh.querySelector('input');
  box.checked = sessionStorage.getItem('console-refresh') === 'on';
  box.addEventListener('change', () => sessionStorage.setItem('console-refresh', box.checked ? 'on' : 'off'));
  setInterval(() => { if (box.checked && !document.hidden) location.reload(); }, Number(refresh.dataset.refresh) * 1000);
}
`;
