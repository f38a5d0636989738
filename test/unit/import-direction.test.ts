import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const biome = join(root, 'node_modules/.bin/biome');

/** A copy of the lint configuration in a folder of its own, with the files given. */
function tree(files: Record<string, string>): string {
  const dir = configured();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A temporary folder with the checkout's lint configuration (outside git: no ignore file). */
function configured(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-lint-'));
  dirs.push(dir);
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  delete config.vcs;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  return dir;
}
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function lint(dir: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(biome, ['lint', '--error-on-warnings', '--colors=off', '.'], { cwd: dir });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the import direction (npm run lint)', () => {
  it('fails when a file in src/ imports from webhooks/ or workers/, naming the file', async () => {
    for (const [from, spec] of [
      ['src/alerts/probe.ts', '../../webhooks/alerts/alerts-plugin.js'],
      ['src/probe.ts', '../workers/index.js'],
      ['src/slack/listeners/probe.ts', '../../../workers/intake/intake-consumer.js'],
    ] as const) {
      const dir = tree({ [from]: `import type { X } from '${spec}';\nexport type Y = X;\n` });
      const result = await lint(dir);
      expect(result.ok, `${from} importing ${spec}`).toBe(false);
      expect(result.output).toContain('noRestrictedImports');
      expect(result.output).toContain(from);
    }
  });

  it('fails when webhooks/ imports workers/ or the other way round', async () => {
    expect((await lint(tree({ 'webhooks/probe.ts': "export { startWorkers } from '../workers/index.js';\n" }))).ok).toBe(false);
    expect((await lint(tree({ 'workers/probe.ts': "export { buildApp } from '../webhooks/index.js';\n" }))).ok).toBe(false);
  });

  it('passes imports that go down into src/, and the roles wiring both', async () => {
    const dir = tree({
      'webhooks/probe.ts': "export { BridgeError } from '../src/errors.js';\n",
      'workers/probe.ts': "export { BridgeError } from '../src/errors.js';\n",
      'roles/probe.ts': "export { buildApp } from '../webhooks/index.js';\nexport { startWorkers } from '../workers/index.js';\n",
      'src/probe.ts': "export { BridgeError } from './errors.js';\n",
    });
    const result = await lint(dir);
    expect(result.output).not.toContain('noRestrictedImports');
    expect(result.ok).toBe(true);
  });

  it('holds for the checkout itself', async () => {
    const dir = configured();
    for (const folder of ['src', 'webhooks', 'workers']) cpSync(join(root, folder), join(dir, folder), { recursive: true });
    const result = await lint(dir);
    expect(result.output).not.toContain('noRestrictedImports');
  });
});
