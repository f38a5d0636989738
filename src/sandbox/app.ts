// Builds the sandbox: a Fastify app that emulates expereoOne API V2 in memory. It does not listen.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { apiGuard } from './api-guard.js';
import { createContext } from './sandbox-context.js';
import { resolveOptions, type SandboxOptions } from './options.js';
import { problem, ProblemError, sendProblem } from './problem.js';
import { caseWriteRoutes } from './routes/case-writes.js';
import { hookRoutes } from './routes/hooks.js';
import { pageRoutes } from './routes/page.js';
import { resourceRoutes } from './routes/resources.js';
import { tokenRoutes } from './routes/token.js';

export function buildSandbox(opts: SandboxOptions = {}): FastifyInstance {
  const ctx = createContext(resolveOptions(opts));
  const app = Fastify({
    logger: (opts.logger ?? false) as FastifyServerOptions['logger'],
    // Calls held by a 'hang' fault must not keep close() waiting.
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // An empty JSON body reads as no body; the routes decide whether they need one.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, String(body), done),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  app.setErrorHandler(async (err: FastifyError | ProblemError, request, reply) => {
    if (err instanceof ProblemError) return sendProblem(reply, problem(err.status, err.message, err.errors), err.headers);
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'sandbox request failed');
      return sendProblem(reply, problem(500, 'Internal error'));
    }
    return sendProblem(reply, problem(status, err.message));
  });
  app.setNotFoundHandler(async (request, reply) => sendProblem(reply, problem(404, `No route ${request.method} ${request.url.split('?', 1)[0] ?? ''}`)));

  app.register(apiGuard, { ctx });
  app.register(tokenRoutes, { ctx });
  app.register(resourceRoutes, { ctx });
  app.register(caseWriteRoutes, { ctx });
  app.register(hookRoutes, { ctx, prefix: '/sandbox' });
  app.register(pageRoutes, { ctx, prefix: '/sandbox' });
  return app;
}
