/** bull-board's queue dashboard, served by the admin plugin. */
const DASHBOARD_PATH = '/admin/queues';

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A trusted piece of HTML (built from escaped parts). */
export type Html = string;

export const time = (ms: number | undefined): Html =>
  ms
    ? `<time datetime="${new Date(ms).toISOString()}">${esc(new Date(ms).toISOString().replace('T', ' ').slice(0, 19))} UTC</time>`
    : '<span class="muted">–</span>';

export const pill = (text: string | undefined, kind = text): Html => (text ? `<span class="pill ${esc(kind)}">${esc(text)}</span>` : '');

export interface PageContext {
  csrf: string;
  /** The built-in sandbox's page, when the bridge uses it. */
  sandboxUrl?: string;
}

const NAV = [
  ['cases', '/console/cases', 'Cases'],
  ['now', '/console/now', 'Now'],
] as const;

/** The console's frame: navigation, sign-out, style sheet and script. */
export function page(title: string, current: string, ctx: PageContext | undefined, body: Html): Html {
  const nav = ctx
    ? [
        ...NAV.map(([id, href, label]) => `<a href="${href}"${id === current ? ' aria-current="page"' : ''}>${label}</a>`),
        `<a href="${DASHBOARD_PATH}">Queues</a>`,
        ctx.sandboxUrl ? `<a href="${esc(ctx.sandboxUrl)}">Sandbox</a>` : '',
        `<form class="inline" method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${esc(ctx.csrf)}"><button class="link" type="submit">Sign out</button></form>`,
      ].join('')
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · expereo-bridge</title><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><header><strong>expereo-bridge</strong>${nav}</header><main>${body}</main>
<script src="/console/assets/console.js" defer></script></body></html>`;
}

export function signInPage(problem?: string): Html {
  return page(
    'Sign in',
    'sign-in',
    undefined,
    `<h1>Sign in</h1>
${problem ? `<p class="notice bad">${esc(problem)}</p>` : ''}
<section><form method="post" action="/console/sign-in">
<p><label for="token">Admin token (<code>ADMIN_TOKEN</code>)</label></p>
<p><input id="token" name="token" type="password" autocomplete="current-password" required autofocus></p>
<p><button type="submit">Sign in</button></p>
<p class="muted small">The token is checked once; the browser then keeps a session cookie for 12 hours.</p>
</form></section>`,
  );
}
