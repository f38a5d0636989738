import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** The file that holds the node flags production runs the bridge with (`npm start`, the Docker image). */
export const NODE_OPTIONS_FILE = resolve(import.meta.dirname, '../../node-options.env');

/**
 * The production node flags, from `NODE_OPTIONS` in node-options.env, so that tests and benchmarks
 * run the bridge as it is deployed. Flags given after them on the command line take precedence.
 */
export function productionNodeFlags(file = NODE_OPTIONS_FILE): string[] {
  const options = parseEnv(readFileSync(file, 'utf8')).NODE_OPTIONS;
  if (options === undefined) throw new Error(`${file} sets no NODE_OPTIONS`);
  return options.split(/\s+/).filter(Boolean);
}

export interface BridgeProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when a log line matches, rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (or the given signal) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real bridge entry point (`roles/main.ts`, or `script`: compiled, or another entry point
 * in TypeScript such as `roles/demo.ts`) as its own process
 * with this environment and production's node flags (node-options.env).
 */
export function spawnBridge(env: Record<string, string>, script?: string): BridgeProcess {
  const entry = script === undefined ? ['--import', 'tsx', 'roles/main.ts'] : script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, [...productionNodeFlags(), ...entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out.slice(-2000)}`));
        }, timeoutMs);
        const poll = setInterval(() => {
          if (pattern.test(out)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(poll);
            clearTimeout(timer);
            reject(new Error(`exited ${child.exitCode} before ${pattern}; output:\n${out.slice(-2000)}`));
          }
        }, 50);
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
