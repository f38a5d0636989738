// `npm run sandbox`: serves the expereoOne API V2 sandbox until SIGINT or SIGTERM.
import closeWithGrace from 'close-with-grace';
import { z } from 'zod';
import { formatLimitSpec, parseLimitSpec } from './limit-spec.js';
import { DEFAULT_READ_LIMIT, DEFAULT_WRITE_LIMIT, DEMO_CLIENTS, type SandboxLimit } from './options.js';
import { LIMITER_KINDS } from './rate-limiter.js';
import { startSandbox } from './start.js';

const limitSpec = z.string().transform((text, ctx) => {
  try {
    return parseLimitSpec(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_TOKEN_LIFETIME: z.coerce.number().int().positive().optional(),
  SANDBOX_READ_LIMIT: limitSpec.optional(),
  SANDBOX_WRITE_LIMIT: limitSpec.optional(),
  SANDBOX_READ_BURST: z.coerce.number().int().positive().optional(),
  SANDBOX_WRITE_BURST: z.coerce.number().int().positive().optional(),
  SANDBOX_LIMITER: z.enum(LIMITER_KINDS).default('token-bucket'),
  SANDBOX_EXTRA_CASES: z.coerce.number().int().min(0).default(0),
});

function loadEnv(env: NodeJS.ProcessEnv): z.infer<typeof envSchema> {
  // Empty variables count as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([key, v]) => key.startsWith('SANDBOX_') && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    console.error(`sandbox: invalid environment\n${lines.join('\n')}`);
    process.exit(1);
  }
  return parsed.data;
}

const env = loadEnv(process.env);
const limit = (spec: { limit: number; periodMs: number } | undefined, burst: number | undefined, fallback: SandboxLimit): SandboxLimit => ({
  ...fallback,
  ...spec,
  ...(burst === undefined ? {} : { burst }),
});
const readLimit = limit(env.SANDBOX_READ_LIMIT, env.SANDBOX_READ_BURST, DEFAULT_READ_LIMIT);
const writeLimit = limit(env.SANDBOX_WRITE_LIMIT, env.SANDBOX_WRITE_BURST, DEFAULT_WRITE_LIMIT);

const sandbox = await startSandbox({
  port: env.SANDBOX_PORT,
  host: env.SANDBOX_HOST,
  readLimit,
  writeLimit,
  limiter: env.SANDBOX_LIMITER,
  seed: { extraCases: env.SANDBOX_EXTRA_CASES },
  ...(env.SANDBOX_TOKEN_LIFETIME === undefined ? {} : { tokenLifetimeSeconds: env.SANDBOX_TOKEN_LIFETIME }),
});

const credentials = DEMO_CLIENTS.map((c) => `  ${c.clientId} / ${c.clientSecret}  (${c.name}: ${c.scopes.join(' ')})`);
console.log(
  [
    'expereoOne API V2 sandbox: a separate instance, not the one `npm start` runs (that one is built into the bridge,',
    '  on SANDBOX_PORT 3100 by default: its page is http://127.0.0.1:3100/sandbox/ and the bridge logs its URL at start-up)',
    `  base URL:  ${sandbox.baseUrl}`,
    `  token URL: ${sandbox.tokenUrl}`,
    `  limits:    reads ${formatLimitSpec(readLimit)} burst ${readLimit.burst}, writes ${formatLimitSpec(writeLimit)} burst ${writeLimit.burst}, counted by ${env.SANDBOX_LIMITER}`,
    'demo credentials (client id / secret):',
    ...credentials,
    `cases and messages, as expereo's engineers see them: ${sandbox.baseUrl}/sandbox/`,
    `test hooks: ${sandbox.baseUrl}/sandbox/state, /sandbox/calls, /sandbox/faults`,
  ].join('\n'),
);

closeWithGrace({ delay: 5000 }, async ({ err, signal }) => {
  if (err !== undefined) console.error('sandbox: closing after an error', err);
  else console.log(`sandbox: ${signal ?? 'close'} received, closing`);
  await sandbox.close();
});
