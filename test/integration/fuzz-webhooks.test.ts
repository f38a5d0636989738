import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackLink } from '../../src/slack/links.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { bodyRecipeArb } from '../helpers/fuzz-arbitraries.js';
import type { BodyRecipe } from '../helpers/fuzz-bodies.js';
import { headerPlanArb, validHeaderPlanArb, type HeaderPlan } from '../helpers/fuzz-headers.js';
import { answerProblem, buildRequest, describeExchange, urlPlanArb } from '../helpers/fuzz-request.js';
import { FUZZ_CHANNEL, fuzzEnv, fuzzRouting, fuzzRoutes, LINKED_THREAD, type FuzzRoute } from '../helpers/fuzz-routes.js';

/**
 * Fuzzing of every webhook route with fast-check: arbitrary bodies (bytes, JSON, real payloads
 * with fields removed, retyped, huge or deeply nested, invalid UTF-8) under arbitrary headers, and
 * under a correct signature computed over the fuzzed body so that it reaches parsing and the
 * product's logic. Never a 5xx, never a crash, every refusal JSON with a string `error`.
 *
 * Each route's known hard bodies (`examples` in fuzz-routes.ts and fuzz-slack.ts) run first, then
 * NUM_RUNS random ones.
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> (and FUZZ_RUNS to run more).
 */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20_250_304);

/** Signed as the sender would, nothing tampered with. */
const SIGNED: HeaderPlan = { contentType: { kind: 'natural' }, timestamp: { kind: 'fresh' }, tamper: [], extra: {} };

let slack: FakeSlack;
let bridge: TestBridge;
let routes: Map<string, FuzzRoute>;
const escaped: unknown[] = [];
const onEscaped = (err: unknown) => escaped.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onEscaped);
  process.on('uncaughtExceptionMonitor', onEscaped);
  slack = await startFakeSlack();
  bridge = await startTestBridge({ routing: fuzzRouting(), env: fuzzEnv(slack.apiUrl), workers: false });
  await bridge.core.sync.link(LINKED_THREAD.caseId, slackLink(FUZZ_CHANNEL, LINKED_THREAD.threadTs));
  routes = new Map(fuzzRoutes({ slackResponseUrl: slack.responseUrl('fuzz') }).map((r) => [r.name, r]));
});

afterAll(async () => {
  await bridge?.close();
  await slack?.close();
  process.off('unhandledRejection', onEscaped);
  process.off('uncaughtExceptionMonitor', onEscaped);
});

afterEach(async () => {
  // The process still serves, and nothing escaped a request's handling.
  const health = await bridge.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  expect(escaped).toEqual([]);
});

async function send(route: FuzzRoute, req: ReturnType<typeof buildRequest>) {
  const res = await bridge.app.inject(req);
  const problem = answerProblem(route, res);
  if (problem) throw new Error(`${route.name}: ${problem}\n${describeExchange(req, res)}`);
  return res;
}

const ROUTE_NAMES = fuzzRoutes({ slackResponseUrl: 'http://127.0.0.1/respond' }).map((r) => r.name);

describe.each(ROUTE_NAMES)('POST %s', (name) => {
  it('correctly signed requests with any body: never 5xx, refusals as JSON', async () => {
    const route = routes.get(name)!;
    const seen = { runs: 0, authenticated: 0, accepted: 0 };
    await fc.assert(
      fc.asyncProperty(bodyRecipeArb, validHeaderPlanArb, async (recipe, plan) => {
        const res = await send(route, buildRequest(route, recipe, plan, { kind: 'plain' }));
        seen.runs += 1;
        if (res.statusCode !== 401) seen.authenticated += 1;
        if (res.statusCode < 300) seen.accepted += 1;
      }),
      { numRuns: NUM_RUNS, seed: SEED, examples: route.examples.map((recipe) => [recipe, SIGNED] as [BodyRecipe, HeaderPlan]) },
    );
    // The signature was right, so most bodies got past it, and some went all the way through.
    expect(seen.authenticated).toBeGreaterThan(seen.runs / 2);
    expect(seen.accepted).toBeGreaterThan(0);
  });

  it('any headers, URL and body: never 5xx, refusals as JSON', async () => {
    const route = routes.get(name)!;
    await fc.assert(
      fc.asyncProperty(bodyRecipeArb, headerPlanArb, urlPlanArb, async (recipe, plan, urlPlan) => {
        await send(route, buildRequest(route, recipe, plan, urlPlan));
      }),
      { numRuns: NUM_RUNS, seed: SEED + 1 },
    );
  });
});
