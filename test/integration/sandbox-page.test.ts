import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

let sb: RunningSandbox;
const limits = { limit: 1000, periodMs: 1000, burst: 1000 };

beforeAll(async () => {
  sb = await startSandbox({ readLimit: limits, writeLimit: limits });
});
afterAll(async () => sb?.close());

const page = async (path: string) => {
  const res = await fetch(`${sb.baseUrl}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
};
const form = (path: string, fields: Record<string, string>) =>
  fetch(`${sb.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
const messagesCount = async () => ((await (await fetch(`${sb.baseUrl}/sandbox/state`)).json()) as { messages: number }).messages;

describe('the sandbox page (/sandbox/)', () => {
  it('lists the cases, latest activity first, and finds them by id, reference or status', async () => {
    const list = await page('/sandbox/');
    expect(list.status).toBe(200);
    expect(list.type).toMatch(/^text\/html/);
    expect(list.html).toContain('name="viewport"');
    expect(list.html).toContain('href="/sandbox/case/CS-00001002"');
    expect(list.html).not.toMatch(/<script src=|<link [^>]*href="http/);
    const found = await page('/sandbox/?q=CS-00001002');
    expect(found.html).toContain('CS-00001002');
    expect(found.html).not.toContain('CS-00001003"');
    expect(found.html).toContain('1 case<');
  });

  it('replies as an engineer: the reply is on the case, from expereo', async () => {
    const before = await messagesCount();
    const res = await form('/sandbox/case/CS-00001002/reply', { message: 'We have dispatched a field engineer <today>.', sentBy: 'Ravi Menon (expereo NOC)' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sandbox/case/CS-00001002?done=reply');
    expect(await messagesCount()).toBe(before + 1);
    const kase = await page('/sandbox/case/CS-00001002?done=reply');
    expect(kase.html).toContain('Reply sent.');
    expect(kase.html).toContain('We have dispatched a field engineer &#60;today&#62;.');
    expect(kase.html).toMatch(/class="msg Support"><div class="meta">Ravi Menon \(expereo NOC\) · expereo/);
  });

  it("changes a case's status", async () => {
    const res = await form('/sandbox/case/CS-00001007/status', { status: 'Resolved' });
    expect(res.status).toBe(303);
    const kase = await page('/sandbox/case/CS-00001007?done=status');
    expect(kase.html).toContain('<strong id="status">Resolved</strong>');
    expect(kase.html).toContain('Status changed.');
  });

  it('refuses an empty reply or status and names a case that does not exist, changing nothing', async () => {
    const before = await messagesCount();
    const empty = await form('/sandbox/case/CS-00001002/reply', { message: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Write a reply first.');
    expect((await form('/sandbox/case/CS-00001002/status', { status: '' })).status).toBe(400);
    const missing = await form('/sandbox/case/CS-99999999/reply', { message: 'hello' });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No case CS-99999999 exists.');
    expect((await page('/sandbox/case/CS-99999999')).status).toBe(404);
    expect(await messagesCount()).toBe(before);
  });

  it('shows no credentials', async () => {
    for (const path of ['/sandbox/', '/sandbox/case/CS-00001002']) {
      const { html } = await page(path);
      expect(html).not.toContain(sb.clientSecret);
    }
  });
});
