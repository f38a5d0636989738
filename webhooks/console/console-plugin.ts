import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../src/core.js';
import type { Intake } from '../../src/intake/intake.js';
import { safeEqual } from '../../src/http/safe-equal.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { caseSubject } from '../../src/journal/case-journal.js';
import { CONSOLE_CSS, CONSOLE_JS } from '../../src/console/assets.js';
import { casesPage, matches, timelinePage } from '../../src/console/case-pages.js';
import { signInPage, type PageContext } from '../../src/console/html.js';
import { linkedCase, linkedCasesBeyond } from '../../src/console/linked-cases.js';
import { originLinker } from '../../src/console/links.js';
import { nowPage, readNow } from '../../src/console/now-page.js';
import { cookieValue, csrfMatches, SESSION_COOKIE, sessionCookie, SessionStore, type Session } from '../../src/console/session.js';

export interface ConsoleOptions {
  core: Core;
  intakes: Intake<unknown>[];
  /** The built-in sandbox's base URL, when the bridge uses it. */
  sandboxUrl?: string;
}

/** Cases read for the list, the search and the incident counts. */
const CASES_READ = 2000;
const CASES_SHOWN = 200;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * The operator's console at /console, behind `ADMIN_TOKEN` (absent: no console). The token is
 * typed once into the sign-in form; the browser then holds a session cookie (see session.ts).
 * Every form posts its session's CSRF token, and a POST from another origin is refused.
 */
export async function consolePlugin(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const { core } = opts;
  const token = core.config.adminToken;
  if (!token) return;
  const sessions = new SessionStore(core.redis, core.keys.prefix);
  const linker = originLinker(core.config);
  const sessionOf = new WeakMap<FastifyRequest, Session>();
  const contextOf = (request: FastifyRequest): PageContext => ({ csrf: sessionOf.get(request)!.csrf, sandboxUrl: opts.sandboxUrl });
  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const html = (reply: FastifyReply, body: string, status = 200) => reply.status(status).headers(HEADERS).send(body);

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.get('/console/assets/console.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(CONSOLE_CSS),
  );
  app.get('/console/assets/console.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(CONSOLE_JS),
  );
  app.get('/console/sign-in', async (_req, reply) => html(reply, signInPage()));

  app.post('/console/sign-in', async (request, reply) => {
    const presented = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof presented !== 'string' || !safeEqual(presented, token)) {
      request.log.info({ reason: 'wrong or missing admin token' }, 'console sign-in refused');
      return html(reply, signInPage('That is not the admin token.'), 401);
    }
    const { id } = await withinDeadline(() => sessions.open());
    return reply.header('set-cookie', sessionCookie(id, secure(request))).redirect('/console/cases', 303);
  });

  // Everything below needs a session; a POST also its CSRF token and no foreign Origin.
  await app.register(async (scope) => {
    scope.addHook('preHandler', async (request, reply) => {
      const session = await withinDeadline(() => sessions.get(cookieValue(request.headers.cookie, SESSION_COOKIE)));
      if (!session) {
        if (request.method === 'GET') return reply.redirect('/console/sign-in', 303);
        return html(reply, signInPage('Your session has ended: sign in again.'), 401);
      }
      if (request.method === 'POST') {
        const origin = request.headers.origin;
        const foreign = origin !== undefined && origin !== 'null' && new URL(origin).host !== request.headers.host;
        if (foreign || !csrfMatches(session, (request.body as { csrf?: unknown } | undefined)?.csrf)) {
          request.log.info({ reason: foreign ? 'cross-origin form' : 'missing or wrong CSRF token' }, 'console form refused');
          return html(reply, signInPage('That form is out of date: sign in again.'), 403);
        }
      }
      sessionOf.set(request, session);
    });

    scope.get('/console', async (_req, reply) => reply.redirect('/console/cases', 303));

    scope.get('/console/cases', async (request, reply) => {
      const q = String((request.query as { q?: unknown }).q ?? '').slice(0, 200);
      const all = await withinDeadline(async () => {
        const journalled = await core.journal.store.recent(CASES_READ);
        return [...journalled, ...(await linkedCasesBeyond(core, journalled))];
      });
      const shown = all.filter((m) => matches(m, q)).slice(0, CASES_SHOWN);
      return html(reply, casesPage(contextOf(request), shown, q, linker, all.length));
    });

    scope.get('/console/case', async (request, reply) => {
      const { s, id } = request.query as { s?: unknown; id?: unknown };
      const subject = typeof s === 'string' && s ? s.slice(0, 600) : typeof id === 'string' && id ? caseSubject(id.slice(0, 100)) : '';
      const { meta, events } = await withinDeadline(async () => {
        const t = await core.journal.store.timeline(subject);
        return t.meta || !subject.startsWith('c:') ? t : { meta: await linkedCase(core, subject.slice(2)), events: [] };
      });
      return html(reply, timelinePage(contextOf(request), subject, meta, events, linker), meta ? 200 : 404);
    });

    scope.get('/console/now', async (request, reply) => {
      const { replayed, refused } = request.query as { replayed?: unknown; refused?: unknown };
      const notice =
        typeof replayed === 'string'
          ? { text: `Write ${replayed} is back in line.` }
          : typeof refused === 'string'
            ? { text: refused.slice(0, 300), bad: true }
            : undefined;
      const data = await withinDeadline(async () => readNow(core, opts.intakes, await core.journal.store.recent(CASES_READ)), 5000);
      return html(reply, nowPage(contextOf(request), data, notice));
    });

    scope.post('/console/dead-letters/replay', async (request, reply) => {
      const key = String((request.body as { key?: unknown }).key ?? '');
      const res = await withinDeadline(() => core.producer.replay(key));
      const query = res.replayed
        ? `replayed=${encodeURIComponent(key)}`
        : `refused=${encodeURIComponent(`Write ${key} is ${res.status}, not dead-lettered: nothing to replay.`)}`;
      return reply.redirect(`/console/now?${query}#dead-letters`, 303);
    });

    scope.post('/console/sign-out', async (request, reply) => {
      await withinDeadline(() => sessions.close(cookieValue(request.headers.cookie, SESSION_COOKIE)));
      return reply.header('set-cookie', sessionCookie('', secure(request), 0)).redirect('/console/sign-in', 303);
    });
  });
}
