import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, type Browser } from '../helpers/chromium.js';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { refuseNextCaseCreate } from '../helpers/sandbox-faults.js';
import { alertsRouting, AM_TOKEN, circuitIncident, createKeyOf } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';

/**
 * The console in a real browser: Debian's Chromium driven by playwright-core, against the bridge's
 * app on a port, a real Redis and the sandbox over HTTP. Screenshots of each page are kept in
 * test-artifacts/console/.
 */
const TOKEN = 'test-admin-token-0123456789';
const CIRCUIT = 'CIR-8001';

describe.skipIf(!haveChromium('the console browser tests are'))('console in Chromium', () => {
  let bridge: TestBridge;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    bridge = await startTestBridge({ routing: { alerts: alertsRouting }, linkSandbox: true });
    base = await bridge.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium('console');
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
  });

  const shot = (name: string) => browser.shot(name);

  it('signs in, shows the case an alert made, its timeline, and replays its dead-lettered create', async () => {
    // The sandbox refuses the next case create for good, so the alert's create is dead-lettered.
    await refuseNextCaseCreate(bridge.sandbox);
    const alert = await fetch(`${base}/webhooks/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` },
      body: JSON.stringify(alertmanagerGroup(CIRCUIT, [{ name: 'CircuitDown', fingerprint: 'f8001' }], { team: 'network', expereo_service: 'SRV-40000001' })),
    });
    expect(alert.status).toBe(202);
    const createKey = createKeyOf(circuitIncident(CIRCUIT));
    await eventually(async () => (await bridge.core.outbox.entry(createKey))?.status === 'dead');

    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shot('sign-in');
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL('**/console/cases'), page.click('button[type=submit]')]);
    const cookie = (await browser.context.cookies(`${base}/console/`)).find((c) => c.name === 'bridge_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await page.content()).not.toContain(TOKEN);

    const row = page.locator('tr', { hasText: CIRCUIT.toLowerCase() });
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.textContent()).toContain('create failed');
    await shot('cases');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('cases-phone');
    await page.setViewportSize({ width: 1100, height: 900 });

    await row.locator('td').first().locator('a').click();
    await page.waitForURL('**/console/case?s=*');
    await expect
      .poll(() => page.locator('ol.timeline li').allInnerTexts())
      .toEqual(
        expect.arrayContaining([expect.stringContaining('alertmanager notification: 1 firing'), expect.stringContaining('dead-lettered: validation_failed')]),
      );
    await shot('timeline-dead-letter');

    await page.click('header a[href="/console/now"]');
    const dead = page.locator('#dead-letters tr', { hasText: createKey });
    await expect.poll(() => dead.count()).toBe(1);
    expect(await page.locator('svg[aria-label="upstream writes per minute"]').count()).toBe(1);
    expect(await page.locator(`header a[href="${new URL('/sandbox/', bridge.sandbox.baseUrl).href}"]`).textContent()).toBe('Sandbox');
    await shot('now');
    await Promise.all([page.waitForURL('**/console/now?replayed=*'), dead.locator('button', { hasText: 'Replay' }).click()]);
    expect(await page.locator('.notice').textContent()).toContain(`Write ${createKey} is back in line.`);
    await shot('now-after-replay');

    // The replayed create reaches expereo: the case appears in the list, and its timeline says so.
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey(createKey));
    await page.click('header a[href="/console/cases"]');
    await page.fill('#q', caseId);
    await Promise.all([page.waitForURL('**/console/cases?q=*'), page.click('form[role=search] button')]);
    await page.locator('tr', { hasText: caseId }).locator('a', { hasText: caseId }).click();
    await expect.poll(() => page.locator('ol.timeline li[data-event=sent]').textContent()).toContain(`case ${caseId}`);
    expect(await page.locator('ol.timeline li[data-event=replayed]').count()).toBe(1);
    await shot('timeline-after-replay');

    await Promise.all([page.waitForURL('**/console/sign-in'), page.locator('header button', { hasText: 'Sign out' }).click()]);
    await page.goto(`${base}/console/now`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });
});
