import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { refuseNextCaseCreate } from '../helpers/sandbox-faults.js';
import { alertsRouting, circuitIncident, createKeyOf, postAndHandle } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';

const TOKEN = 'test-admin-token-0123456789';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ routing: { alerts: alertsRouting } });
});
afterAll(async () => bridge?.close());

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await bridge.app.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${TOKEN}`,
  });
  expect(res.statusCode).toBe(303);
  const setCookie = String(res.headers['set-cookie']);
  expect(setCookie).toMatch(/^bridge_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  const cookie = setCookie.split(';')[0]!;
  const page = await bridge.app.inject({ url: '/console/now', headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return { cookie, csrf };
}

const get = (url: string, cookie: string) => bridge.app.inject({ url, headers: { cookie } });
const post = (url: string, cookie: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  bridge.app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });

describe('console sign-in', () => {
  it('refuses a wrong token, keeps the token out of pages, and signs out for good', async () => {
    const wrong = await bridge.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=not-the-token',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await bridge.app.inject({ url: '/console/cases' })).headers.location).toBe('/console/sign-in');

    const { cookie, csrf } = await signIn();
    const cases = await get('/console/cases', cookie);
    expect(cases.statusCode).toBe(200);
    expect(cases.headers['content-security-policy']).toContain("script-src 'self'");
    expect(cases.body).not.toContain(TOKEN);

    // A form without the session's CSRF token, or from another origin, changes nothing.
    expect((await post('/console/sign-out', cookie, { csrf: 'forged' })).statusCode).toBe(403);
    expect((await post('/console/sign-out', cookie, { csrf }, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await get('/console/cases', cookie)).statusCode).toBe(200);

    const out = await post('/console/sign-out', cookie, { csrf });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await get('/console/cases', cookie)).headers.location).toBe('/console/sign-in');
  });
});

describe('case journal and console pages', () => {
  it('tells an alert case from the notification to a dead-lettered create, its replay and the case', async () => {
    // The sandbox refuses the next case create for good (422): the create is dead-lettered.
    await refuseNextCaseCreate(bridge.sandbox);
    const handled = await postAndHandle(
      bridge,
      'alertmanager',
      alertmanagerGroup('CIR-7001', [{ name: 'CircuitDown', fingerprint: 'f7001' }], { team: 'network', expereo_service: 'SRV-40000001' }),
    );
    expect(handled.json()).toMatchObject({ status: 'accepted', writes: 1 });
    const incident = circuitIncident('CIR-7001');
    const createKey = createKeyOf(incident);
    await eventually(async () => (await bridge.core.outbox.entry(createKey))?.status === 'dead');

    const { cookie, csrf } = await signIn();
    const pending = await eventually(async () => {
      const t = await bridge.core.journal.store.timeline(`k:${createKey}`);
      return t.events.some((e) => e.type === 'dead') && t.events.some((e) => e.type === 'arrived') ? t : undefined;
    });
    // The failed create puts the incident back to idle (its next firing tries again).
    await eventually(async () => (await bridge.core.journal.store.timeline(`k:${createKey}`)).meta?.phase === 'idle');
    expect((await bridge.core.journal.store.timeline(`k:${createKey}`)).events.map((e) => e.type)).toEqual([
      'arrived',
      'incident',
      'queued',
      'dead',
      'incident',
    ]);
    expect(pending.meta).toMatchObject({ incident, status: 'create failed' });

    const now = await get('/console/now', cookie);
    expect(now.body).toContain(createKey);
    expect(now.body).toMatch(/<svg[^>]+aria-label="upstream writes per minute"/);

    const replay = await post('/console/dead-letters/replay', cookie, { csrf, key: createKey });
    expect(replay.headers.location).toBe(`/console/now?replayed=${encodeURIComponent(createKey)}#dead-letters`);
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey(createKey));
    // Replaying it again is refused and changes nothing.
    const again = await post('/console/dead-letters/replay', cookie, { csrf, key: createKey });
    expect(decodeURIComponent(again.headers.location as string)).toContain('is done, not dead-lettered');

    // The incident's and the create's timelines are now the case's, in order, each event once.
    const story = await eventually(async () => {
      const t = await bridge.core.journal.store.timeline(`c:${caseId}`);
      return t.events.some((e) => e.type === 'sent') ? t : undefined;
    });
    expect(story.events.map((e) => e.type)).toEqual(['arrived', 'incident', 'queued', 'dead', 'incident', 'replayed', 'sent']);
    expect(story.meta).toMatchObject({ caseId, incident, status: 'open', createKey });
    expect(story.events.filter((e) => e.type === 'sent')).toMatchObject([{ caseId, writeKey: createKey, incident, op: 'create', status: '201' }]);
    expect((await bridge.core.journal.store.timeline(`o:alert:${incident}`)).meta?.caseId).toBe(caseId);

    const list = await get(`/console/cases?q=${encodeURIComponent('cir-7001')}`, cookie);
    expect(list.body).toContain(`/console/case?s=${encodeURIComponent(`c:${caseId}`)}`);
    expect((await get('/console/cases?q=no-such-thing', cookie)).body).toContain('No case matches.');
    const timeline = await get(`/console/case?id=${caseId}`, cookie);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.body).toContain('dead-lettered: validation_failed: Unprocessable Entity: Injected fault');
    expect(timeline.body).toContain(`case ${caseId}`);
  });

  it('lists a case the bridge mirrors but has no timeline of, from its links', async () => {
    await bridge.core.sync.link('CS-00000042', {
      id: 'slack:C0LEGACY:1700000000.000100',
      kind: 'slack',
      data: { channel: 'C0LEGACY', threadTs: '1700000000.000100' },
    });
    const { cookie } = await signIn();
    const list = await get('/console/cases?q=c0legacy', cookie);
    expect(list.body).toContain('CS-00000042');
    expect(list.body).toContain('https://slack.com/app_redirect?channel=C0LEGACY');
    const page = await get('/console/case?id=CS-00000042', cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No events recorded');
    expect((await get('/console/case?id=CS-NOT-KNOWN', cookie)).statusCode).toBe(404);
  });
});
