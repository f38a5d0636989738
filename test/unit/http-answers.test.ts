import Fastify, { type FastifyInstance } from 'fastify';
import { ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, isStoreUnavailable } from '../../src/errors.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { installErrorHandler } from '../../webhooks/error-handler.js';

/** Errors as ioredis and Node raise them (messages and names copied from their sources). */
const reply = (message: string) => new ReplyError(message) as Error;
const offline = () => new Error("Stream isn't writeable and enableOfflineQueue options is false");
const closed = () => new Error('Connection is closed.');
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
const retriesUsed = () => Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' });

describe('which failures are Redis being unavailable for now', () => {
  it('recognises a connection that is down, closed, refused or out of retries', () => {
    for (const err of [offline(), closed(), refused(), retriesUsed(), new Error('Command timed out')]) expect(isStoreUnavailable(err), err.message).toBe(true);
  });

  it('recognises replies that depend on the server’s state: full, read-only, loading, busy', () => {
    for (const m of [
      "OOM command not allowed when used memory > 'maxmemory'.",
      "OOM command not allowed when used memory > 'maxmemory'. script: 5a39, on @user_script:1.",
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
      'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
      'EXECABORT Transaction discarded because of previous errors.',
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    ]) {
      expect(isStoreUnavailable(reply(m)), m).toBe(true);
    }
  });

  it('looks through causes, and takes the bridge’s own code as it is', () => {
    expect(isStoreUnavailable(new Error('the write queue failed', { cause: reply('READONLY no') }))).toBe(true);
    expect(isStoreUnavailable(new BridgeError('queue_unavailable', 'x'))).toBe(true);
    expect(isStoreUnavailable(new BridgeError('invalid_request', 'x', { cause: offline() }))).toBe(false);
  });

  it('does not take a bug or a wrong command for an outage', () => {
    for (const err of [
      reply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      reply('ERR Error running script: user_script:3: attempt to index a nil value'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      // A Lua error that merely mentions a state word is not that state.
      reply('ERR user_script:1: OOM in my own logic'),
      'Connection is closed.',
      undefined,
    ]) {
      expect(isStoreUnavailable(err), String(err)).toBe(false);
    }
  });
});

describe('the error handler’s answers', () => {
  let app: FastifyInstance;
  const throwing: Record<string, () => unknown> = {
    oom: () => reply("OOM command not allowed when used memory > 'maxmemory'."),
    offline,
    refused,
    wrapped: () => new Error('enqueue failed', { cause: closed() }),
    wrongtype: () => reply('WRONGTYPE Operation against a key holding the wrong kind of value'),
    bug: () => new TypeError('x is not a function'),
    conflict: () => new BridgeError('conflict', 'write k is queued, not dead-lettered'),
    invalid: () =>
      Object.assign(new BridgeError('invalid_request', 'not a valid alertmanager notification'), { issues: [{ path: 'version', message: 'must be "4"' }] }),
  };

  beforeAll(async () => {
    app = Fastify();
    installErrorHandler(app);
    for (const [name, make] of Object.entries(throwing)) {
      app.get(`/${name}`, async () => {
        throw make();
      });
    }
    app.post('/json-only', { bodyLimit: 2048 }, async () => ({ ok: true }));
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
      scope.post('/json-or-form', async () => ({ ok: true }));
    });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('answers Redis being unavailable underneath any handler 503 with Retry-After, internals hidden', async () => {
    for (const name of ['oom', 'offline', 'refused', 'wrapped']) {
      const res = await app.inject({ method: 'GET', url: `/${name}` });
      expect(res.statusCode, name).toBe(503);
      expect(res.headers['retry-after'], name).toBe('5');
      expect(res.json(), name).toEqual({ error: 'queue_unavailable', message: 'temporarily unavailable, retry later' });
    }
  });

  it('keeps a bug a 500 and the bridge’s codes their status', async () => {
    for (const name of ['wrongtype', 'bug']) {
      const res = await app.inject({ method: 'GET', url: `/${name}` });
      expect(res.statusCode, name).toBe(500);
      expect(res.headers['retry-after'], name).toBeUndefined();
      expect(res.json(), name).toEqual({ error: 'internal_error', message: 'internal error' });
    }
    expect((await app.inject({ method: 'GET', url: '/conflict' })).statusCode).toBe(409);
    const invalid = await app.inject({ method: 'GET', url: '/invalid' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      error: 'invalid_request',
      message: 'not a valid alertmanager notification',
      issues: [{ path: 'version', message: 'must be "4"' }],
    });
  });

  it('says which content types a route takes, and how large a body may be', async () => {
    const xml = await app.inject({ method: 'POST', url: '/json-or-form', headers: { 'content-type': 'text/xml; charset=utf-8' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual({
      error: 'unsupported_media_type',
      message: 'the content type text/xml is not accepted here: send application/json or application/x-www-form-urlencoded',
    });
    const large = await app.inject({
      method: 'POST',
      url: '/json-only',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toEqual({ error: 'payload_too_large', message: "the body is larger than this route's limit of 2048 bytes" });
  });
});

describe('the answer deadline', () => {
  it('passes the work’s value or its own failure through', async () => {
    await expect(withinDeadline(async () => 'taken', 1000)).resolves.toBe('taken');
    await expect(withinDeadline(async () => Promise.reject(new BridgeError('invalid_request', 'no')), 1000)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('gives up on work that has not settled in time with a 503-mapped error', async () => {
    let settle!: (v: string) => void;
    const stuck = new Promise<string>((r) => (settle = r));
    await expect(withinDeadline(() => stuck, 20)).rejects.toMatchObject({ code: 'queue_unavailable', message: 'Redis did not answer within 20 ms' });
    settle('late'); // settling afterwards is harmless
    await expect(stuck).resolves.toBe('late');
  });
});
