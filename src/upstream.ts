import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { startSandbox } from './sandbox/index.js';

export interface Upstream {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  sandbox: boolean;
  close(): Promise<void>;
}

/**
 * The expereoOne API the bridge talks to: the configured one, or, with no `EXPEREO_BASE_URL`, the
 * built-in sandbox started in this process with its demo credentials.
 */
export async function resolveUpstream(config: Readonly<Config>, log: Logger): Promise<Upstream> {
  const e = config.expereo;
  if (e.baseUrl && e.tokenUrl && e.clientId && e.clientSecret) {
    return { baseUrl: e.baseUrl, tokenUrl: e.tokenUrl, clientId: e.clientId, clientSecret: e.clientSecret, sandbox: false, close: async () => undefined };
  }
  const sandbox = await startSandbox({
    port: config.sandbox.port,
    host: '127.0.0.1',
    readLimit: config.expereo.readBudget,
    writeLimit: { ...config.expereo.writeBudget, burst: Math.max(3, config.expereo.writeBudget.burst) },
    limiter: config.sandbox.limiter,
  });
  log.warn(
    { sandbox: sandbox.baseUrl, clientId: sandbox.clientId, limiter: config.sandbox.limiter },
    'EXPEREO_BASE_URL is not set: using the built-in expereoOne V2 sandbox with its demo credentials (no real cases are created)',
  );
  return {
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    sandbox: true,
    close: () => sandbox.close(),
  };
}
