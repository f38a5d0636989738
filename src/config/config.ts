import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { duration, integer, list, nonEmpty, oneOf, rate, ratio, url } from './fields.js';
import { redisEnvSchema, redisProblems, redisSettings, type RedisSettings } from './redis-settings.js';
import { loadRoutingFile, type RoutingConfig } from './routing-file.js';
import type { RateSpec } from './rate-spec.js';
import { LIMITER_KINDS, type LimiterKind } from '../sandbox/rate-limiter.js';

export { ConfigError };

const ROLES = ['all', 'api', 'worker'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment contract. Names are public: operators' deployments depend on them. */
const envSchema = z.object({
  EXPEREO_BASE_URL: url('https://api.expereo.one').optional(),
  EXPEREO_TOKEN_URL: url('https://auth.expereo.one/oauth2/token').optional(),
  EXPEREO_CLIENT_ID: nonEmpty('7f3c…').optional(),
  EXPEREO_CLIENT_SECRET: nonEmpty('…', true).optional(),
  EXPEREO_SCOPES: list(/\s+/).default(['customerapi/basic.read', 'customerapi/support.read-write']),
  EXPEREO_WRITE_LIMIT: rate('30/1m').default({ limit: 30, periodMs: 60_000 }),
  EXPEREO_WRITE_BURST: integer(1, 10_000, '1').default(1),
  EXPEREO_READ_LIMIT: rate('3/1s').default({ limit: 3, periodMs: 1000 }),
  EXPEREO_READ_BURST: integer(1, 10_000, '50').default(50),
  EXPEREO_BUDGET_MARGIN: ratio('0.001').default(0.001),
  EXPEREO_BUDGET_ALLOWANCE: duration('200ms').default(200),
  EXPEREO_CONNECT_TIMEOUT: duration('5s').default(5000),
  EXPEREO_REQUEST_TIMEOUT: duration('30s').default(30_000),
  EXPEREO_CLOSED_STATUSES: list(/\s*,\s*/).default(['Closed', 'Resolved', 'Cancelled']),
  ...redisEnvSchema,
  REDIS_OUTAGE_SUMMARY: duration('30s').default(30_000),
  PORT: integer(0, 65_535, '3000').default(3000),
  HOST: nonEmpty('0.0.0.0').default('0.0.0.0'),
  LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters long').optional(),
  ROLE: oneOf(ROLES).default('all'),
  BRIDGE_CONFIG: nonEmpty('/etc/expereo-bridge/routing.yaml').optional(),
  SANDBOX_PORT: integer(0, 65_535, '3100').default(3100),
  SANDBOX_LIMITER: oneOf(LIMITER_KINDS).default('token-bucket'),
  SHUTDOWN_TIMEOUT: duration('25s').default(25_000),
  SLACK_SIGNING_SECRET: nonEmpty('…', true).optional(),
  SLACK_BOT_TOKEN: nonEmpty('xoxb-…', true).optional(),
  SLACK_APP_TOKEN: nonEmpty('xapp-…', true).optional(),
  SLACK_API_URL: url('https://slack.com/api').optional(),
  MIRROR_STRATEGY: oneOf(['auto', 'recent', 'per-case'] as const).default('auto'),
  MIRROR_SCAN_EVERY: duration('2s').default(2000),
  MIRROR_SCAN_FLOOR: duration('500ms').default(500),
  MIRROR_READ_SHARE: ratio('0.7').default(0.7),
  MIRROR_ACTIVE_INTERVAL: duration('5s').default(5000),
  MIRROR_IDLE_INTERVAL: duration('5m').default(300_000),
  WRITE_RESERVE: integer(0, 10_000, '5').default(5),
  WRITE_CONCURRENCY: integer(1, 64, '4').default(4),
  WRITE_COALESCE_MAX: integer(1, 500, '20').default(20),
  WRITE_COALESCE_MAX_CHARS: integer(100, 1_000_000, '20000').default(20_000),
  WRITE_ATTEMPTS: integer(1, 100, '8').default(8),
  WRITE_BACKOFF: duration('1s').default(1000),
  WRITE_LOCK_TIMEOUT: duration('30s').default(30_000),
  WRITE_STALLED_INTERVAL: duration('2s').default(2_000),
  WRITE_SWEEP_EVERY: duration('30s').default(30_000),
  WRITE_DONE_TTL: duration('168h').default(7 * 24 * 3_600_000),
  JOURNAL_CASES: integer(10, 100_000, '1000').default(1000),
  JOURNAL_EVENTS: integer(10, 10_000, '100').default(100),
  JOURNAL_TTL: duration('168h').default(7 * 24 * 3_600_000),
});

/** Variables that a real (non-sandbox) upstream needs. */
const UPSTREAM_REQUIRED = ['EXPEREO_TOKEN_URL', 'EXPEREO_CLIENT_ID', 'EXPEREO_CLIENT_SECRET'] as const;

export interface BudgetSpec extends RateSpec {
  burst: number;
}

export interface Config {
  role: (typeof ROLES)[number];
  logLevel: (typeof LOG_LEVELS)[number];
  http: { host: string; port: number };
  adminToken: string | undefined;
  redis: RedisSettings;
  /** While Redis is away, a line says so this often (not one per attempt). */
  redisOutageSummaryMs: number;
  expereo: {
    /** Undefined: the bridge starts its built-in sandbox and uses it. */
    baseUrl: string | undefined;
    tokenUrl: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    scopes: string[];
    readBudget: BudgetSpec;
    writeBudget: BudgetSpec;
    /** Fraction of the vendor's rate held back (the vendor's clock and counting need not match ours exactly). */
    budgetMargin: number;
    /**
     * Time added to every rate window for calls that leave late or travel slowly: a call leaves
     * within half of it after its slot or takes a new slot; the other half is for the network.
     */
    budgetAllowanceMs: number;
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    closedStatuses: string[];
  };
  /** The built-in sandbox (no EXPEREO_BASE_URL): its port (fixed by default so its page's URL is stable; 0: any), and how it counts the limits. */
  sandbox: { port: number; limiter: LimiterKind };
  /** After SIGTERM, jobs in flight get this long to finish before the process exits anyway. */
  shutdownTimeoutMs: number;
  writes: {
    /** Writes per write-limit period kept for urgent creates and people's messages. */
    reserve: number;
    concurrency: number;
    coalesceMaxItems: number;
    coalesceMaxChars: number;
    attempts: number;
    backoffMs: number;
    lockTimeoutMs: number;
    stalledIntervalMs: number;
    sweepEveryMs: number;
    doneTtlMs: number;
  };
  /** The case journal (console timelines): most cases kept, events per case, how long a quiet case is kept. */
  journal: { cases: number; eventsPerCase: number; ttlSeconds: number };
  /** Undefined when Slack is not configured: the bridge runs with Slack off. */
  slack: { signingSecret: string | undefined; botToken: string; appToken: string | undefined; apiUrl: string | undefined } | undefined;
  mirror: {
    /** recent: one sorted case list per scan; per-case: adaptive per-case polling; auto: recent, falling back. */
    strategy: 'auto' | 'recent' | 'per-case';
    /** The slow beat: a scan at least this often, whatever the budget. */
    scanEveryMs: number;
    /** The fast beat's limit: scans no closer together than this, however much read budget is spare. */
    scanFloorMs: number;
    /** Share of the read budget the poller may use; the rest is headroom for interactive reads. */
    readShare: number;
    activeIntervalMs: number;
    idleIntervalMs: number;
  };
  routing: RoutingConfig;
  routingPath: string | undefined;
}

type ReadFile = (path: string) => string;

/**
 * Reads the environment once into a frozen, typed object. Nothing else in the bridge reads
 * `process.env`. Throws ConfigError with one line per problem.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, readFile: ReadFile = (path) => readFileSync(path, 'utf8')): Readonly<Config> {
  // `FOO=` in a compose file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  if (present.SLACK_BOT_TOKEN !== undefined && present.SLACK_SIGNING_SECRET === undefined && present.SLACK_APP_TOKEN === undefined) {
    problems.push('SLACK_SIGNING_SECRET: is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (present.SLACK_BOT_TOKEN === undefined && (present.SLACK_SIGNING_SECRET !== undefined || present.SLACK_APP_TOKEN !== undefined)) {
    problems.push('SLACK_BOT_TOKEN: is required to turn Slack on (xoxb-…)');
  }
  problems.push(...redisProblems(present));
  if (present.EXPEREO_BASE_URL !== undefined) {
    for (const name of UPSTREAM_REQUIRED) {
      if (present[name] === undefined) problems.push(`${name}: is required when EXPEREO_BASE_URL is set`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const routing = e.BRIDGE_CONFIG === undefined ? loadRoutingFile(undefined) : loadRoutingFromPath(e.BRIDGE_CONFIG, readFile);

  const config: Config = {
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT },
    adminToken: e.ADMIN_TOKEN,
    redis: redisSettings(e),
    redisOutageSummaryMs: e.REDIS_OUTAGE_SUMMARY,
    expereo: {
      baseUrl: e.EXPEREO_BASE_URL,
      tokenUrl: e.EXPEREO_TOKEN_URL,
      clientId: e.EXPEREO_CLIENT_ID,
      clientSecret: e.EXPEREO_CLIENT_SECRET,
      scopes: e.EXPEREO_SCOPES,
      readBudget: { ...e.EXPEREO_READ_LIMIT, burst: e.EXPEREO_READ_BURST },
      writeBudget: { ...e.EXPEREO_WRITE_LIMIT, burst: e.EXPEREO_WRITE_BURST },
      budgetMargin: e.EXPEREO_BUDGET_MARGIN,
      budgetAllowanceMs: e.EXPEREO_BUDGET_ALLOWANCE,
      connectTimeoutMs: e.EXPEREO_CONNECT_TIMEOUT,
      requestTimeoutMs: e.EXPEREO_REQUEST_TIMEOUT,
      closedStatuses: e.EXPEREO_CLOSED_STATUSES,
    },
    sandbox: { port: e.SANDBOX_PORT, limiter: e.SANDBOX_LIMITER },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    writes: {
      reserve: Math.min(e.WRITE_RESERVE, e.EXPEREO_WRITE_LIMIT.limit - 1),
      concurrency: e.WRITE_CONCURRENCY,
      coalesceMaxItems: e.WRITE_COALESCE_MAX,
      coalesceMaxChars: e.WRITE_COALESCE_MAX_CHARS,
      attempts: e.WRITE_ATTEMPTS,
      backoffMs: e.WRITE_BACKOFF,
      lockTimeoutMs: e.WRITE_LOCK_TIMEOUT,
      stalledIntervalMs: e.WRITE_STALLED_INTERVAL,
      sweepEveryMs: e.WRITE_SWEEP_EVERY,
      doneTtlMs: e.WRITE_DONE_TTL,
    },
    journal: { cases: e.JOURNAL_CASES, eventsPerCase: e.JOURNAL_EVENTS, ttlSeconds: Math.max(60, Math.round(e.JOURNAL_TTL / 1000)) },
    // HTTP mode needs the signing secret; Socket Mode (an app token) does not.
    slack:
      e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)
        ? { signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL }
        : undefined,
    mirror: {
      strategy: e.MIRROR_STRATEGY,
      scanEveryMs: e.MIRROR_SCAN_EVERY,
      scanFloorMs: Math.min(e.MIRROR_SCAN_FLOOR, e.MIRROR_SCAN_EVERY),
      readShare: e.MIRROR_READ_SHARE,
      activeIntervalMs: e.MIRROR_ACTIVE_INTERVAL,
      idleIntervalMs: e.MIRROR_IDLE_INTERVAL,
    },
    routing,
    routingPath: e.BRIDGE_CONFIG,
  };
  return deepFreeze(config);
}

function loadRoutingFromPath(path: string, readFile: ReadFile): RoutingConfig {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([`BRIDGE_CONFIG: cannot read routing file ${path} (${reason})`]);
  }
  return loadRoutingFile(text, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
