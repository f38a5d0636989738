// Front door of /v2 and /oauth2: injected faults, bearer authentication, per-client rate limits,
// scope checks per route, and the call log.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { SandboxContext } from './sandbox-context.js';
import type { ActiveFault } from './faults.js';
import { problem, sendProblem } from './problem.js';
import { retryAfterHeaders } from './rate-limiter.js';

interface CallState {
  at: string;
  clientId: string | null;
  scopes: string[];
  fault?: 'status' | 'hang' | 'lose-answer';
  recorded?: boolean;
}

const states = new WeakMap<FastifyRequest, CallState>();

export const TOKEN_PATH = '/oauth2/token';
const pathOf = (request: FastifyRequest): string => request.url.split('?', 1)[0] ?? '';
const isApiPath = (path: string): boolean => path === '/v2' || path.startsWith('/v2/');
const isWrite = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** Names the caller of a token request in the call log (the id only, never the secret). */
export function setCaller(request: FastifyRequest, clientId: string | undefined): void {
  const state = states.get(request);
  if (state !== undefined) state.clientId = clientId ?? null;
}

export function callerOf(request: FastifyRequest): CallState {
  return states.get(request) ?? { at: new Date().toISOString(), clientId: null, scopes: [] };
}

/** Route-level hook: the token must carry one of `scopes`. */
export function requireScope(...scopes: string[]): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (callerOf(request).scopes.some((s) => scopes.includes(s))) return;
    return sendProblem(reply, problem(403, `This call needs one of the scopes: ${scopes.join(', ')}`));
  };
}

function unauthorized(reply: FastifyReply, detail: string): FastifyReply {
  return sendProblem(reply, problem(401, detail), { 'www-authenticate': 'Bearer error="invalid_token"' });
}

async function holdCall(ctx: SandboxContext, reply: FastifyReply, fault: ActiveFault): Promise<boolean> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let gaveUp = false;
  const onClose = (): void => {
    gaveUp = true;
    release();
  };
  ctx.hangs.add(release);
  reply.raw.once('close', onClose);
  const timer = fault.kind === 'hang' && fault.delayMs !== undefined ? setTimeout(release, fault.delayMs) : undefined;
  await released;
  clearTimeout(timer);
  ctx.hangs.delete(release);
  reply.raw.off('close', onClose);
  // With a delay the call then proceeds as usual; without one, or once the client gave up or the
  // sandbox closes, it is never answered and has no effect.
  return timer !== undefined && !gaveUp && !ctx.closing;
}

/** Records one call: a write's body where it reached the API (or its answer was lost), and the fault injected into it. */
function recordCall(ctx: SandboxContext, request: FastifyRequest, state: CallState, status: number, durationMs: number): void {
  const path = pathOf(request);
  const logBody = isWrite(request.method) && request.body !== undefined && (isApiPath(path) || state.fault === 'lose-answer');
  ctx.calls.record({
    at: state.at,
    method: request.method,
    path,
    query: { ...(request.query as object) },
    clientId: state.clientId,
    status,
    durationMs,
    ...(logBody ? { body: request.body } : {}),
    ...(state.fault !== undefined ? { fault: state.fault } : {}),
  });
}

export const apiGuard = fp<{ ctx: SandboxContext }>(
  async (app, { ctx }) => {
    app.addHook('onRequest', async (request, reply) => {
      const path = pathOf(request);
      const api = isApiPath(path);
      if (!api && path !== TOKEN_PATH) return;
      const started = ctx.now();
      const state: CallState = { at: new Date(started).toISOString(), clientId: null, scopes: [] };
      states.set(request, state);

      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const check = api && bearer !== undefined ? ctx.tokens.check(bearer, started) : undefined;
      if (check?.ok === true) {
        state.clientId = check.token.clientId;
        state.scopes = check.token.scopes;
      }

      const fault = ctx.faults.take(request.method, path);
      if (fault?.kind === 'status') {
        state.fault = 'status';
        const headers: Record<string, string> =
          fault.retryAfterSeconds !== undefined || fault.status === 429 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {};
        return sendProblem(reply, problem(fault.status, 'Injected fault'), headers);
      }
      if (fault?.kind === 'hang') {
        state.fault = 'hang';
        if (!(await holdCall(ctx, reply, fault))) {
          recordCall(ctx, request, state, 0, ctx.now() - started);
          reply.hijack();
          reply.raw.destroy();
          return;
        }
      }
      if (fault?.kind === 'lose-answer') state.fault = 'lose-answer';
      if (!api) return;

      if (bearer === undefined) return unauthorized(reply, 'Missing bearer token');
      if (check?.ok !== true) {
        return unauthorized(reply, check?.reason === 'expired' ? 'The access token has expired' : 'Unknown or revoked access token');
      }
      const decision = ctx.limiter.check(check.token.clientId, isWrite(request.method) ? 'write' : 'read', ctx.now());
      if (!decision.allowed) {
        return sendProblem(reply, problem(429, 'Rate limit exceeded'), retryAfterHeaders(decision.retryAfterMs));
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const state = states.get(request);
      if (state?.fault !== 'lose-answer') return payload;
      recordCall(ctx, request, state, reply.statusCode, ctx.now() - Date.parse(state.at));
      state.recorded = true;
      reply.raw.destroy();
      return payload;
    });

    app.addHook('onResponse', async (request, reply) => {
      const state = states.get(request);
      if (state === undefined || state.recorded) return;
      recordCall(ctx, request, state, reply.statusCode, Math.round(reply.elapsedTime * 100) / 100);
    });

    app.addHook('preClose', async () => {
      ctx.closing = true;
      for (const release of [...ctx.hangs]) release();
    });
  },
  { name: 'sandbox-api-guard' },
);
