// Test hooks under /sandbox (no auth): act as expereo's engineers, inject faults, inspect calls.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseBody } from '../body.js';
import type { SandboxContext } from '../sandbox-context.js';
import { faultSpecSchema } from '../faults.js';
import { badRequest, notFound } from '../problem.js';

export const DEFAULT_ENGINEER = 'Ana Lopes (expereo NOC)';

const replySchema = z.strictObject({ message: z.string().trim().min(1), sentBy: z.string().trim().min(1).optional() });
// Any non-empty status is accepted here so tests can play statuses the API does not know yet.
const statusSchema = z.strictObject({ status: z.string().trim().min(1) });
const expirySchema = z.strictObject({ everyMs: z.number().int().min(1).nullable() });
const sinceSchema = z.object({ since: z.coerce.number().int().min(0).optional() });

export const hookRoutes: FastifyPluginAsync<{ ctx: SandboxContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  const caseIdOf = (request: FastifyRequest): string => {
    const { caseId = '' } = request.params as { caseId?: string };
    if (store.getCase(caseId) === undefined) throw notFound(`No case '${caseId}' exists`);
    return caseId;
  };

  app.post('/cases/:caseId/replies', async (request, reply) => {
    const caseId = caseIdOf(request);
    const body = parseBody(replySchema, request.body);
    const message = store.addMessage(caseId, { message: body.message, type: 'Support', sentBy: body.sentBy ?? DEFAULT_ENGINEER }, ctx.now());
    return reply.code(201).send({ data: message });
  });

  app.post('/cases/:caseId/status', async (request) => {
    const caseId = caseIdOf(request);
    const { status } = parseBody(statusSchema, request.body);
    return { data: store.setStatus(caseId, status, ctx.now()) };
  });

  app.get('/faults', async () => ({ faults: ctx.faults.list(), tokenExpiryMs: ctx.tokens.expiryOverride }));
  app.post('/faults', async (request, reply) => {
    const fault = ctx.faults.add(parseBody(faultSpecSchema, request.body));
    return reply.code(201).send({ data: fault });
  });
  app.delete('/faults', async () => {
    ctx.tokens.setExpiryOverride(null);
    return { cleared: ctx.faults.clear() };
  });

  app.post('/faults/token-expiry', async (request) => {
    const { everyMs } = parseBody(expirySchema, request.body);
    ctx.tokens.setExpiryOverride(everyMs);
    return { everyMs };
  });
  app.delete('/faults/token-expiry', async () => {
    ctx.tokens.setExpiryOverride(null);
    return { everyMs: null };
  });

  app.post('/tokens/revoke', async () => ({ revoked: ctx.tokens.revokeAll(ctx.now()) }));

  app.delete('/rate-limits', async () => {
    ctx.limiter.reset();
    return { reset: true };
  });

  app.get('/calls', async (request) => {
    const query = sinceSchema.safeParse(request.query);
    if (!query.success) throw badRequest('since must be a whole number', [{ field: 'since', message: 'expected a whole number' }]);
    return { calls: ctx.calls.since(query.data.since) };
  });
  app.delete('/calls', async () => ({ cleared: ctx.calls.clear() }));

  app.get('/state', async () => ({
    ...store.counts(),
    tokensIssued: ctx.tokens.issued,
    liveTokens: ctx.tokens.liveCount(ctx.now()),
    faults: ctx.faults.list().length,
    tokenExpiryMs: ctx.tokens.expiryOverride,
    calls: ctx.calls.size,
    limiter: ctx.limiter.kind,
  }));
};
