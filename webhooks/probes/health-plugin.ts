import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { ExpereoClient } from '../../src/expereo/client.js';

export interface HealthOptions {
  redis: Redis;
  expereo: ExpereoClient;
  /** Why Redis is away, when it is (the outage watch's reason); `/readyz` says it. */
  redisDown?: () => string | undefined;
  /** Present when this process runs workers: are they all running? */
  workersRunning?: () => boolean;
}

async function check(name: string, fn: () => Promise<unknown>, timeoutMs = 2000): Promise<[string, string]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
    return [name, 'ok'];
  } catch (err) {
    return [name, (err as { code?: string }).code ?? (err as Error).message];
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: the process answers. `/readyz`: Redis, workers and an upstream token are all there. */
export const healthPlugin = fp<HealthOptions>(
  async (app, opts) => {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const checks = Object.fromEntries(
        await Promise.all([
          check('redis', async () => {
            const down = opts.redisDown?.();
            if (down) throw new Error(down);
            await opts.redis.ping();
          }),
          check('upstreamToken', () => opts.expereo.tokens.get(), 5000),
          ...(opts.workersRunning
            ? [
                check('workers', async () => {
                  if (!opts.workersRunning?.()) throw new Error('not running');
                }),
              ]
            : []),
        ]),
      );
      const ready = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  },
  { name: 'health' },
);
