import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { renderBody, type BodyRecipe } from './fuzz-bodies.js';
import { contentTypeOf, headerValueArb, tamper, timestampOf, type HeaderPlan } from './fuzz-headers.js';
import type { FuzzRoute } from './fuzz-routes.js';

/**
 * Turns fuzz plans into a request for `app.inject`, and says what is wrong with an answer: the
 * contract of every webhook route is no 5xx, and every refusal is JSON with a string `error`.
 */

/** The route's own URL, with a query string, or (generic connectors) another connector name. */
export type UrlPlan = { kind: 'plain' } | { kind: 'query'; key: string; value: string } | { kind: 'name'; name: string };

export const urlPlanArb: fc.Arbitrary<UrlPlan> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'plain' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('query' as const), key: fc.constantFrom('connector', 'connector[]', 'x', ''), value: headerValueArb(20) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('name' as const),
      name: fc.oneof(fc.constantFrom('fuzz-jira', 'fuzz-sn', 'FUZZ-DESK', '__proto__', 'constructor', 'toString', '..', '%00'), headerValueArb(20)),
    }),
  },
);

export function urlOf(route: FuzzRoute, plan: UrlPlan): string {
  switch (plan.kind) {
    case 'plain':
      return route.url;
    case 'query':
      return `${route.url}?${encodeURIComponent(plan.key)}=${encodeURIComponent(plan.value)}`;
    case 'name':
      // Only the generic route has a name in its path; elsewhere the name goes in the query.
      return route.url.startsWith('/webhooks/itsm/generic/')
        ? `/webhooks/itsm/generic/${encodeURIComponent(plan.name)}`
        : `${route.url}?connector=${encodeURIComponent(plan.name)}`;
  }
}

export function buildRequest(
  route: FuzzRoute,
  recipe: BodyRecipe,
  plan: HeaderPlan,
  urlPlan: UrlPlan,
  nowMs = Date.now(),
): InjectOptions & { payload: Buffer } {
  const body = renderBody(recipe, route.seeds);
  const ts = timestampOf(plan.timestamp, nowMs, route.formatTime);
  const headers: Record<string, string> = { ...plan.extra, ...route.sign(body.raw, ts) };
  route.authHeaders.forEach((name, i) => tamper(headers, name, plan.tamper[i] ?? { kind: 'keep' }));
  const contentType = contentTypeOf(plan.contentType, body.format);
  if (contentType === undefined) delete headers['content-type'];
  else headers['content-type'] = contentType;
  return { method: 'POST', url: urlOf(route, urlPlan), headers, payload: body.raw };
}

/** What breaks the contract in an answer, or undefined when it keeps it. */
export function answerProblem(route: FuzzRoute, res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return `answered ${res.statusCode}`;
  if (res.statusCode >= 400) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return `answered ${res.statusCode} with a body that is not JSON`;
    }
    if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) return `answered ${res.statusCode} as ${String(res.headers['content-type'])}`;
    if (typeof (parsed as { error?: unknown } | null)?.error !== 'string') return `answered ${res.statusCode} without a string "error" field`;
    return undefined;
  }
  if (route.slack) return res.statusCode === 200 ? undefined : `Slack request answered ${res.statusCode} (Slack expects 200)`;
  if (res.statusCode !== 202) return `answered ${res.statusCode} (webhooks answer 202 once queued)`;
  try {
    JSON.parse(res.body);
  } catch {
    return 'answered 202 with a body that is not JSON';
  }
  return undefined;
}

/** A request and its answer, shortened for a failure message. */
export function describeExchange(req: InjectOptions & { payload: Buffer }, res: LightMyRequestResponse): string {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k, cut(String(v), 120)]));
  return [
    `POST ${req.url as string}`,
    `headers: ${JSON.stringify(headers)}`,
    `body (${req.payload.length} bytes): ${cut(req.payload.toString('latin1'), 300)}`,
    `answer ${res.statusCode} ${String(res.headers['content-type'] ?? '')}: ${cut(res.body, 500)}`,
  ].join('\n');
}
