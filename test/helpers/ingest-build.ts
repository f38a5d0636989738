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
// The workers thread's entry is loaded by path, not imported: compiled beside the rest.
const SCRIPTS = ['test/helpers/ingest-server.ts', 'test/helpers/ingest-bare.ts', 'roles/workers-thread-entry.ts'];

export interface CompiledScripts {
  /** The compiled JavaScript of each script, in the order given. */
  scripts: string[];
  remove(): Promise<void>;
}

/**
 * Compiles `scripts` (paths from the repository root) and everything they import with `tsc` into
 * a temporary directory named `<name>-…`, which sees the project's node_modules through a link:
 * what production runs (`npm start`), without a TypeScript loader in the process.
 */
export async function compileScripts(name: string, scripts: string[]): Promise<CompiledScripts> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsconfig = {
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, sourceMap: false, outDir: join(dir, 'out'), rootDir: ROOT },
      files: scripts.map((s) => join(ROOT, s)),
      include: [],
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT });
  } catch (err) {
    await remove();
    throw err;
  }
  return { scripts: scripts.map((script) => join(dir, 'out', script.replace(/\.ts$/, '.js'))), remove };
}

export async function buildIngestServers(): Promise<IngestBuild> {
  const { scripts, remove } = await compileScripts('ingest-bench', SCRIPTS);
  return { bridgeScript: scripts[0]!, bareScript: scripts[1]!, remove };
}
