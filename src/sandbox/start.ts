// Starts a sandbox on a port (random by default) and says where to reach it.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildSandbox } from './app.js';
import { DEMO_CLIENTS, type SandboxOptions } from './options.js';

export interface RunningSandbox {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSandbox(opts: SandboxOptions & { port?: number; host?: string } = {}): Promise<RunningSandbox> {
  const { port = 0, host = '127.0.0.1', ...options } = opts;
  const app = buildSandbox(options);
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  const baseUrl = `http://${urlHost(host)}:${address.port}`;
  const first = (options.clients ?? DEMO_CLIENTS)[0];
  if (first === undefined) throw new Error('sandbox needs at least one API client');
  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    tokenUrl: `${baseUrl}/oauth2/token`,
    clientId: first.clientId,
    clientSecret: first.clientSecret,
    app,
    close: () => {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
