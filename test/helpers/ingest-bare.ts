/**
 * The ingest benchmark's baseline: a bare Fastify server with one route that takes the same JSON
 * body and answers 202, in a process of its own (like the bridge's), without logging. Run compiled
 * (see ingest-build.ts) with an IPC channel; reports `{ ready, port }` and closes on `close`.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/ingest', async (request, reply) => reply.code(202).send({ status: 'queued', received: typeof request.body }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
process.on('message', (message: unknown) => {
  if (message === 'close') void app.close().then(() => process.disconnect?.());
});
