import { createHmac, randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, type Browser } from '../helpers/chromium.js';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, fixture, startFakeItsm, type FakeItsm } from '../helpers/fake-itsm.js';

/**
 * The sandbox's page in a real browser (Debian's Chromium, playwright-core): from the console's
 * link, an expereo engineer's reply typed on the sandbox's page reaches the bridge, which finds it,
 * delivers it to the Jira ticket, and shows both in the case's timeline. Screenshots are kept in
 * test-artifacts/sandbox/.
 */
const TOKEN = 'test-admin-token-0123456789';
const SECRET = 'jira-webhook-secret-07';
const TICKET = 'NET-77';
const REPLY = 'Field engineer on site, the fibre is being spliced.';

describe.skipIf(!haveChromium('the sandbox page browser test is'))('sandbox page in Chromium', () => {
  let bridge: TestBridge;
  let fake: FakeItsm;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fake = await startFakeItsm();
    bridge = await startTestBridge({
      env: { MIRROR_SCAN_EVERY: '200ms', MIRROR_ACTIVE_INTERVAL: '200ms' },
      linkSandbox: true,
      routing: {
        itsm: {
          connectors: {
            ops: {
              tool: 'jira',
              auth: { secret: SECRET },
              defaults: { serviceId: 'SRV-40000001' },
              outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.jira },
            },
          },
        },
      },
    });
    base = await bridge.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium('sandbox');
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await fake?.close();
  });

  const shot = (name: string) => browser.shot(name);

  it("an engineer's reply sent from the sandbox's page reaches the ticket and the case's timeline", async () => {
    const created = fixture('jira-issue-created');
    created.issue.key = TICKET;
    const body = JSON.stringify({ ...created, timestamp: Date.now() });
    const res = await fetch(`${base}/webhooks/itsm/jira?connector=ops`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        'x-atlassian-webhook-identifier': randomUUID(),
      },
      body,
    });
    expect(res.status).toBe(202);
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey(`itsm:ops:${TICKET}`));

    await page.goto(`${base}/console`);
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL('**/console/cases'), page.click('button[type=submit]')]);
    // The console's header links to the sandbox's page.
    await Promise.all([page.waitForURL('**/sandbox/'), page.click('header a:text-is("Sandbox")')]);
    await page.fill('input[name=q]', caseId);
    await Promise.all([page.waitForURL('**/sandbox/?q=*'), page.click('form[method=get] button')]);
    await shot('cases');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('cases-phone');
    await page.setViewportSize({ width: 1100, height: 900 });

    await Promise.all([page.waitForURL(`**/sandbox/case/${caseId}`), page.click(`a:text-is("${caseId}")`)]);
    await page.fill('#message', REPLY);
    await Promise.all([page.waitForURL('**?done=reply'), page.click('button:text-is("Send reply")')]);
    expect(await page.locator('[role=status]').textContent()).toBe('Reply sent.');
    expect(await page.locator('.msg.Support').last().textContent()).toContain(REPLY);
    await shot('case-after-reply');

    // The bridge finds it and delivers it to the ticket, and the timeline says both.
    const comment = await eventually(async () => fake.comments('jira', TICKET).find((c) => c.text.includes(REPLY)));
    expect(comment.text).toContain(`replied on expereo case ${caseId}`);
    await page.goto(`${base}/console/cases?q=${caseId}`);
    await page.locator('tr', { hasText: caseId }).locator('a', { hasText: caseId }).first().click();
    await expect
      .poll(() => page.locator('ol.timeline li').allInnerTexts(), { timeout: 20_000 })
      .toEqual(
        expect.arrayContaining([expect.stringContaining('engineer reply by Ana Lopes (expereo NOC) found'), expect.stringContaining('reply delivered to')]),
      );
    await shot('console-timeline-reply');
  });
});
