import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { eventually, startTestBridge } from '../helpers/bridge.js';
import { createWrite, messageWrite } from '../helpers/pipeline.js';

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

describe('logs', () => {
  it('redact authorization headers, client secrets, access tokens and signatures wherever they appear', () => {
    const { stream, text } = capture();
    const log = createLogger('trace', stream);
    log.info(
      {
        req: {
          headers: {
            authorization: 'Bearer tok-AAA',
            'x-slack-signature': 'v0=sig-BBB',
            'x-hub-signature': 'sha256=sig-CCC',
            'x-zendesk-webhook-signature': 'sig-DDD',
          },
        },
      },
      'request',
    );
    log.info({ expereo: { clientSecret: 'secret-EEE', clientId: 'visible-id' } }, 'config');
    log.info({ answer: { access_token: 'tok-FFF' }, token: 'tok-GGG', accessToken: 'tok-HHH' }, 'token');
    log.info({ connector: { secret: 'secret-III', password: 'pw-JJJ' }, headers: { authorization: 'Basic KKK' } }, 'outbound');
    const out = text();
    for (const s of ['tok-AAA', 'sig-BBB', 'sig-CCC', 'sig-DDD', 'secret-EEE', 'tok-FFF', 'tok-GGG', 'tok-HHH', 'secret-III', 'pw-JJJ', 'Basic KKK']) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain('visible-id');
    expect(out).toContain('[redacted]');
  });

  it('never carry the client secret or the access token through a whole run at trace level', async () => {
    const { stream, text } = capture();
    const bridge = await startTestBridge({ env: { LOG_LEVEL: 'trace' }, logDestination: stream });
    try {
      await bridge.core.producer.enqueue(createWrite('test:log-1'));
      await bridge.core.producer.enqueue(messageWrite('test:log-1:m', 'test:log-1', 'hello'));
      await eventually(async () => (await bridge.core.outbox.entry('test:log-1:m'))?.status === 'done');
      await bridge.app.inject({ url: '/admin/budget', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
      await bridge.app.inject({ url: '/readyz', headers: { authorization: 'Bearer some-caller-token-XYZ' } });
      const refused = await bridge.app.inject({
        url: '/admin/budget',
        headers: { authorization: 'Bearer wrong-admin-token-ABC', 'x-request-id': 'req-log-0042' },
      });
      expect(refused.statusCode).toBe(401);
      const token = await bridge.core.redis.hget(bridge.core.keys.token(bridge.sandbox.clientId), 'accessToken');
      expect(token).toBeTruthy();
      const out = text();
      expect(out).toContain('request refused');
      // The request's own logger (made only when the request logs) carries its id.
      const refusal = out.split('\n').find((line) => line.includes('request refused') && line.includes('req-log-0042'));
      expect(JSON.parse(refusal!)).toMatchObject({ reqId: 'req-log-0042', status: 401, msg: 'request refused' });
      expect(out.length).toBeGreaterThan(300);
      expect(out).not.toContain(bridge.sandbox.clientSecret);
      expect(out).not.toContain(token!);
      expect(out).not.toContain('test-admin-token-0123456789');
      expect(out).not.toContain('some-caller-token-XYZ');
      expect(out).not.toContain('wrong-admin-token-ABC');
    } finally {
      await bridge.close();
    }
  });
});
