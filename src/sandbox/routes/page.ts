// The sandbox's page under /sandbox (no auth, like the other hooks): reply as an engineer, change a status.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { casePage, casesPage } from '../page.js';
import type { SandboxContext } from '../sandbox-context.js';
import { DEFAULT_ENGINEER } from './hooks.js';

const replyForm = z.object({ message: z.string().trim().min(1), sentBy: z.string().trim().optional() });
const statusForm = z.object({ status: z.string().trim().min(1) });

export const pageRoutes: FastifyPluginAsync<{ ctx: SandboxContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const missing = (reply: FastifyReply, caseId: string) => html(reply, casesPage(store.cases, '', `No case ${caseId} exists.`), 404);

  app.get('/', async (request, reply) => {
    const q = (request.query as { q?: unknown }).q;
    return html(reply, casesPage(store.cases, typeof q === 'string' ? q : ''));
  });

  app.get<{ Params: { caseId: string }; Querystring: { done?: string } }>('/case/:caseId', async (request, reply) => {
    const kase = store.getCase(request.params.caseId);
    if (!kase) return missing(reply, request.params.caseId);
    const done = request.query.done === 'reply' ? 'Reply sent.' : request.query.done === 'status' ? 'Status changed.' : undefined;
    return html(reply, casePage(kase, store.messagesOf(kase.caseId) ?? [], done));
  });

  app.post<{ Params: { caseId: string } }>('/case/:caseId/reply', async (request, reply) => {
    const kase = store.getCase(request.params.caseId);
    if (!kase) return missing(reply, request.params.caseId);
    const form = replyForm.safeParse(request.body ?? {});
    if (!form.success) return html(reply, casePage(kase, store.messagesOf(kase.caseId) ?? [], 'Write a reply first.'), 400);
    store.addMessage(kase.caseId, { message: form.data.message, type: 'Support', sentBy: form.data.sentBy || DEFAULT_ENGINEER }, ctx.now());
    return reply.redirect(`/sandbox/case/${encodeURIComponent(kase.caseId)}?done=reply`, 303);
  });

  app.post<{ Params: { caseId: string } }>('/case/:caseId/status', async (request, reply) => {
    const kase = store.getCase(request.params.caseId);
    if (!kase) return missing(reply, request.params.caseId);
    const form = statusForm.safeParse(request.body ?? {});
    if (!form.success) return html(reply, casePage(kase, store.messagesOf(kase.caseId) ?? [], 'Choose a status.'), 400);
    store.setStatus(kase.caseId, form.data.status, ctx.now());
    return reply.redirect(`/sandbox/case/${encodeURIComponent(kase.caseId)}?done=status`, 303);
  });
};
