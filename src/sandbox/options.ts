// Public options of the sandbox and the defaults that mirror the published expereoOne V2 limits.
import { LIMITER_KINDS, type LimiterKind } from './rate-limiter.js';

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  name: string;
  scopes: string[];
}

export interface SandboxLimit {
  limit: number;
  periodMs: number;
  burst: number;
}

export interface SandboxOptions {
  clients?: SandboxClient[];
  tokenLifetimeSeconds?: number;
  readLimit?: SandboxLimit;
  writeLimit?: SandboxLimit;
  /** How the limits are counted (rate-limiter.ts defines each); token-bucket unless said. */
  limiter?: LimiterKind;
  seed?: { extraCases?: number; seed?: number };
  logger?: boolean | object;
}

export const SCOPES = {
  basicRead: 'customerapi/basic.read',
  supportRead: 'customerapi/support.read',
  supportReadWrite: 'customerapi/support.read-write',
  billingRead: 'customerapi/billing.read',
} as const;

export const DEMO_CLIENTS: SandboxClient[] = [
  {
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    name: 'Demo Bridge',
    scopes: [SCOPES.basicRead, SCOPES.supportReadWrite, SCOPES.billingRead],
  },
  {
    clientId: 'demo-readonly',
    clientSecret: 'demo-readonly-secret',
    name: 'Demo Read-only',
    scopes: [SCOPES.basicRead, SCOPES.supportRead],
  },
  {
    clientId: 'demo-inventory',
    clientSecret: 'demo-inventory-secret',
    name: 'Demo Inventory Reader',
    scopes: [SCOPES.basicRead],
  },
];

export const DEFAULT_READ_LIMIT: SandboxLimit = { limit: 3, periodMs: 1000, burst: 50 };
export const DEFAULT_WRITE_LIMIT: SandboxLimit = { limit: 30, periodMs: 60_000, burst: 3 };
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface ResolvedOptions {
  clients: SandboxClient[];
  tokenLifetimeMs: number;
  readLimit: SandboxLimit;
  writeLimit: SandboxLimit;
  limiter: LimiterKind;
  extraCases: number;
  seed: number;
}

export function resolveOptions(opts: SandboxOptions = {}): ResolvedOptions {
  const clients = opts.clients ?? DEMO_CLIENTS;
  if (clients.length === 0) throw new Error('sandbox needs at least one API client');
  const lifetime = opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!(lifetime > 0)) throw new Error('tokenLifetimeSeconds must be positive');
  const readLimit = checkLimit('readLimit', opts.readLimit ?? DEFAULT_READ_LIMIT);
  const writeLimit = checkLimit('writeLimit', opts.writeLimit ?? DEFAULT_WRITE_LIMIT);
  const limiter = opts.limiter ?? 'token-bucket';
  if (!LIMITER_KINDS.includes(limiter)) throw new Error(`limiter must be one of ${LIMITER_KINDS.join(', ')}`);
  const extraCases = opts.seed?.extraCases ?? 0;
  if (!Number.isInteger(extraCases) || extraCases < 0) throw new Error('seed.extraCases must be a whole number ≥ 0');
  return {
    clients: clients.map((c) => ({ ...c, scopes: [...c.scopes] })),
    tokenLifetimeMs: lifetime * 1000,
    readLimit,
    writeLimit,
    limiter,
    extraCases,
    seed: opts.seed?.seed ?? 20_250_101,
  };
}

function checkLimit(name: string, l: SandboxLimit): SandboxLimit {
  if (!(l.limit > 0) || !(l.periodMs > 0) || !(l.burst >= 1)) {
    throw new Error(`${name} needs limit > 0, periodMs > 0 and burst ≥ 1`);
  }
  return { ...l };
}
