import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (package `chromium`), which the browser tests drive with playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is here; warns once per test file that needs it when it is not. */
export function haveChromium(what: string): boolean {
  const here = existsSync(CHROMIUM);
  if (!here) console.warn(`${CHROMIUM} is missing (Debian package "chromium"): ${what} skipped`);
  return here;
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** A full-page screenshot kept as a test artefact: test-artifacts/<folder>/<name>.png. */
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Chromium headless with a fresh profile of its own, screenshots going to test-artifacts/<folder>/. */
export async function launchChromium(folder: string): Promise<Browser> {
  const artifacts = resolve(import.meta.dirname, '../../test-artifacts', folder);
  await mkdir(artifacts, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), `${folder}-chromium-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    shot: (name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true }),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
