// Everything one sandbox instance holds in memory, shared by its routes.
import { TokenStore } from './auth.js';
import { CallLog } from './call-log.js';
import { FaultInjector } from './faults.js';
import type { ResolvedOptions, SandboxClient } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { SandboxStore } from './sandbox-store.js';

export interface SandboxContext {
  options: ResolvedOptions;
  store: SandboxStore;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  calls: CallLog;
  now: () => number;
  /** Releases every call an injected 'hang' fault is holding (used on close). */
  hangs: Set<() => void>;
  closing: boolean;
  clientById(clientId: string | null): SandboxClient | undefined;
}

export function createContext(options: ResolvedOptions, now: () => number = Date.now): SandboxContext {
  return {
    options,
    store: new SandboxStore(options.extraCases, options.seed),
    tokens: new TokenStore(options.tokenLifetimeMs),
    limiter: new RateLimiter({ read: options.readLimit, write: options.writeLimit }, options.limiter),
    faults: new FaultInjector(),
    calls: new CallLog(),
    now,
    hangs: new Set(),
    closing: false,
    clientById: (clientId) => options.clients.find((c) => c.clientId === clientId),
  };
}
