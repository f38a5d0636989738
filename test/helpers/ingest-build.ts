import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * The ingest benchmark runs its servers as production runs the bridge: compiled JavaScript under
 * plain `node`, not through a TypeScript loader (which alone adds some 35 MB of RSS and would be
 * counted against the bridge). `tsc` compiles the two server scripts and everything they import
 * into a temporary directory, which sees the project's node_modules through a link.
 */
export interface IngestBuild {
  bridgeScript: string;
  bareScript: string;
  remove(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPTS = ['test/helpers/ingest-server.ts', 'test/helpers/ingest-bare.ts'];

export async function buildIngestServers(): Promise<IngestBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsconfig = {
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, sourceMap: false, outDir: join(dir, 'out'), rootDir: ROOT },
      files: SCRIPTS.map((s) => join(ROOT, s)),
      include: [],
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT });
  } catch (err) {
    await remove();
    throw err;
  }
  const out = (script: string) => join(dir, 'out', script.replace(/\.ts$/, '.js'));
  return { bridgeScript: out(SCRIPTS[0]!), bareScript: out(SCRIPTS[1]!), remove };
}
