import type { Queue } from 'bullmq';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisBudget } from '../../src/budget/redis-budget.js';
import type { StateKeys } from '../../src/state/state-keys.js';
import type { SyncState } from '../../src/state/sync-state.js';
import type { Outbox } from '../../src/writes/outbox.js';
import type { WriteProducer } from '../../src/writes/producer.js';
import { BridgeError } from '../../src/errors.js';
import type { Intake } from '../../src/intake/intake.js';
import type { Entry } from '../../src/writes/outbox.js';
import { readWithin } from '../../src/redis.js';
import { caseSlot } from '../../src/writes/slots.js';
import { adminGuard } from './admin-auth.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { queueDashboard } from './queue-dashboard.js';

function view(e: Entry) {
  return {
    key: e.key,
    status: e.status,
    kind: e.request?.kind,
    origin: e.request?.origin,
    slot: e.slot,
    lane: e.lane,
    caseId: e.caseId,
    attempts: e.attempts,
    acceptedAt: new Date(e.acceptedAt).toISOString(),
    error: e.error,
  };
}

const ADMIN_READ_TIMEOUT_MS = 3000;

/**
 * The admin API, behind `ADMIN_TOKEN` (absent: the routes do not exist). Redis away or not
 * answering within the deadline is a 503 with Retry-After, as on every other route.
 */
export interface AdminDeps {
  /** Absent: the admin API is off. */
  adminToken: string | undefined;
  log: Logger;
  redis: Redis;
  keys: StateKeys;
  outbox: Outbox;
  producer: Pick<WriteProducer, 'replay'>;
  sync: Pick<SyncState, 'links'>;
  budgets: { read: RedisBudget; write: RedisBudget; bulk: RedisBudget };
  /** Writes per period kept for urgent incidents and people (WRITE_RESERVE). */
  reserve: number;
  queues: Queue[];
  intakes: Intake<unknown>[];
}

export const adminPlugin = fp<AdminDeps>(
  async (app: FastifyInstance, deps) => {
    const { queues, intakes } = deps;
    const token = deps.adminToken;
    if (!token) {
      deps.log.info('ADMIN_TOKEN is not set: the admin API is off');
      return;
    }
    const guard = adminGuard(token);
    await queueDashboard(app, { token, queues });

    app.get('/admin/dead-letters', { onRequest: guard }, async (request) => {
      const limit = Math.min(Math.max(Number((request.query as { limit?: string }).limit ?? 100) || 100, 1), 1000);
      const [entries, total] = await withinDeadline(() => Promise.all([deps.outbox.deadLetters(limit), deps.outbox.deadCount()]));
      return { total, deadLetters: entries.map(view) };
    });

    app.post<{ Params: { key: string } }>('/admin/dead-letters/:key/replay', { onRequest: guard }, async (request, reply) => {
      const res = await withinDeadline(() => deps.producer.replay(request.params.key));
      if (res.replayed) return reply.status(202).send(res);
      if (res.status === 'missing') throw new BridgeError('not_found', `no write with key ${request.params.key}`);
      throw new BridgeError('conflict', `write ${request.params.key} is ${res.status}, not dead-lettered`);
    });

    app.get<{ Params: { caseId: string } }>('/admin/cases/:caseId', { onRequest: guard }, async (request) => {
      const { caseId } = request.params;
      return withinDeadline(async () => {
        const slot = (await deps.redis.get(deps.keys.caseSlot(caseId))) ?? caseSlot(caseId);
        const [links, pending, tracked, sent] = await Promise.all([
          deps.sync.links(caseId),
          deps.outbox.head(slot, 200),
          deps.redis.sismember(deps.keys.linkedCases, caseId),
          deps.redis.scard(deps.keys.caseSent(caseId)),
        ]);
        return { caseId, slot, tracked: tracked === 1, links, pending: pending.map(view), ownMessagesRemembered: sent };
      });
    });

    const intakeNamed = (name: string) => {
      const intake = intakes.find((i) => i.name === name);
      if (!intake) throw new BridgeError('not_found', `no intake named ${name}; there are: ${intakes.map((i) => i.name).join(', ') || 'none'}`);
      return intake;
    };

    app.get('/admin/intake', { onRequest: guard }, async () => {
      const rows = await withinDeadline(() => Promise.all(intakes.map(async (i) => ({ name: i.name, backlog: await i.backlog(), dead: await i.deadCount() }))));
      return { intakes: rows };
    });

    app.get<{ Params: { name: string } }>('/admin/intake/:name/dead', { onRequest: guard }, async (request) => {
      const intake = intakeNamed(request.params.name);
      const limit = Math.min(Math.max(Number((request.query as { limit?: string }).limit ?? 100) || 100, 1), 1000);
      const [entries, total] = await withinDeadline(() => Promise.all([intake.dead(limit), intake.deadCount()]));
      return { total, dead: entries };
    });

    app.get<{ Params: { name: string; id: string } }>('/admin/intake/:name/:id', { onRequest: guard }, async (request) => {
      const intake = intakeNamed(request.params.name);
      const { id } = request.params;
      if (!/^\d{1,20}-\d{1,20}$/.test(id))
        throw Object.assign(new BridgeError('invalid_request', 'an intake entry id looks like 1700000000000-0'), {
          issues: [{ path: 'id', message: 'not an entry id' }],
        });
      return { id, ...(await withinDeadline(() => intake.status(id))) };
    });

    app.get('/admin/budget', { onRequest: guard }, async () => {
      // Budgets live on the patient worker connection, which waits out a Redis outage: answer 503 instead of hanging.
      const state = await readWithin(ADMIN_READ_TIMEOUT_MS, () =>
        Promise.all([deps.budgets.read.state(), deps.budgets.write.state(), deps.budgets.bulk.state(), deps.outbox.pendingByLane(), deps.outbox.deadCount()]),
      );
      if (!state) throw new BridgeError('queue_unavailable', 'Redis is unavailable or did not answer in time');
      const [read, write, bulk, pendingByLane, deadLetters] = state;
      return { read, write, bulk, reserve: deps.reserve, pendingByLane, deadLetters };
    });
  },
  { name: 'admin', dependencies: ['error-handler', 'metrics'] },
);
