import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { adminAuthorized } from './admin-auth.js';

export const DASHBOARD_PATH = '/admin/queues';

/** bull-board and its Fastify adapter (static files, views, their own plugins). */
async function loadBullBoard() {
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  return { createBullBoard, BullMQAdapter, FastifyAdapter };
}

/**
 * The queue dashboard (bull-board) at /admin/queues, behind the admin token. Browsers may send it
 * as the password of HTTP Basic auth (any user name). bull-board is loaded here, when the admin
 * API is on, and not at start-up: it adds some 8 MB of RSS to a process that does not serve it.
 */
export async function queueDashboard(app: FastifyInstance, opts: { token: string; queues: Queue[] }): Promise<void> {
  const { createBullBoard, BullMQAdapter, FastifyAdapter } = await loadBullBoard();
  const serverAdapter = new FastifyAdapter();
  createBullBoard({ queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  serverAdapter.setBasePath(DASHBOARD_PATH);
  await app.register(async (scope) => {
    // The dashboard sets its own error handler, so the refusal is answered here, not thrown.
    scope.addHook('onRequest', async (request, reply) => {
      if (adminAuthorized(request.headers.authorization, opts.token)) return;
      return reply
        .status(401)
        .header('www-authenticate', 'Basic realm="expereo-bridge admin"')
        .send({ error: 'unauthorized', message: 'admin token required' });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
