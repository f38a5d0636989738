/**
 * `npm run bench -- NAME`: runs test/bench/NAME.ts, whose default export resolves to the figures.
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME\nbenchmarks: ${available.join(', ')}\n`);
  process.exit(2);
}

const mod = (await import(`./${name}.ts`)) as { default: (args: string[]) => Promise<Record<string, unknown>> };
const started = Date.now();
const figures = await mod.default(process.argv.slice(3));
process.stdout.write(`${JSON.stringify({ bench: name, durationMs: Date.now() - started, ...figures })}\n`);
process.exit(0);
