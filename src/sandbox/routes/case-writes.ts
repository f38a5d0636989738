// Case writes of API V2: create a case, update it, add a customer message.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { callerOf, requireScope } from '../api-guard.js';
import { parseBody } from '../body.js';
import { checkCasePatch, checkMessage, checkNewCase } from '../case-rules.js';
import type { SandboxContext } from '../sandbox-context.js';
import { SCOPES } from '../options.js';
import { badRequest, notFound, unprocessable } from '../problem.js';
import type { Case } from '../types.js';

const newCaseSchema = z.strictObject({
  type: z.string(),
  subject: z.string(),
  priority: z.string(),
  serviceId: z.string(),
  siteId: z.string().nullable().optional(),
  description: z.string(),
  startOfIncident: z.string().nullable().optional(),
  customerReference: z.string().nullable().optional(),
  origin: z.string().optional(),
});

const casePatchSchema = z.strictObject({
  priority: z.string().optional(),
  status: z.string().optional(),
  subject: z.string().optional(),
  description: z.string().optional(),
  siteId: z.string().nullable().optional(),
  customerReference: z.string().nullable().optional(),
});

const messageSchema = z.strictObject({ message: z.string() });

const WRITE = requireScope(SCOPES.supportReadWrite);

export const caseWriteRoutes: FastifyPluginAsync<{ ctx: SandboxContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  const caseOf = (request: FastifyRequest): Case => {
    const { caseId = '' } = request.params as { caseId?: string };
    const kase = store.getCase(caseId);
    if (kase === undefined) throw notFound(`No case '${caseId}' exists`);
    return kase;
  };
  const clientName = (request: FastifyRequest): string => ctx.clientById(callerOf(request).clientId)?.name ?? 'API client';

  app.post('/v2/cases', { onRequest: WRITE }, async (request, reply) => {
    const input = parseBody(newCaseSchema, request.body);
    const errors = checkNewCase(input, store);
    if (errors.length > 0) throw unprocessable(errors);
    const created = store.createCase(input, clientName(request), ctx.now());
    return reply.code(201).header('location', `/v2/cases/${created.caseId}`).send({ data: created });
  });

  app.patch('/v2/cases/:caseId', { onRequest: WRITE }, async (request) => {
    const kase = caseOf(request);
    const patch = parseBody(casePatchSchema, request.body);
    if (Object.values(patch).every((v) => v === undefined)) {
      throw badRequest('Nothing to update', [{ field: '(body)', message: `give at least one of ${Object.keys(casePatchSchema.shape).join(', ')}` }]);
    }
    const errors = checkCasePatch(kase.type, patch, store);
    if (errors.length > 0) throw unprocessable(errors);
    return { data: store.patchCase(kase.caseId, patch, ctx.now()) };
  });

  app.post('/v2/cases/:caseId/case-messages', { onRequest: WRITE }, async (request, reply) => {
    const kase = caseOf(request);
    const { message } = parseBody(messageSchema, request.body);
    const errors = checkMessage(message);
    if (errors.length > 0) throw unprocessable(errors);
    const created = store.addMessage(kase.caseId, { message, type: 'Customer', sentBy: clientName(request) }, ctx.now());
    return reply.code(201).send({ data: created });
  });
};
