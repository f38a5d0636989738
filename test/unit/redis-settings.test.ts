import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { hashTagged } from '../../src/config/redis-settings.js';
import { retryOnReadOnly } from '../../src/redis-connections.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('Redis settings', () => {
  it('defaults to one server, no TLS, no replica acknowledgement', () => {
    const { redis } = loadConfig({});
    expect(redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'bridge',
      topology: { mode: 'standalone', url: 'redis://127.0.0.1:6379' },
      username: undefined,
      password: undefined,
      tls: false,
      ackReplicas: 0,
      ackTimeoutMs: 500,
    });
  });

  it('turns TLS on for a rediss:// URL and takes ACL credentials', () => {
    const { redis } = loadConfig({ REDIS_URL: 'rediss://cache.internal:6380', REDIS_USERNAME: 'bridge', REDIS_PASSWORD: 's3cret' });
    expect(redis.tls).toBe(true);
    expect(redis.topology).toEqual({ mode: 'standalone', url: 'rediss://cache.internal:6380' });
    expect([redis.username, redis.password]).toEqual(['bridge', 's3cret']);
  });

  it('reads sentinels with the name they monitor and their own credentials', () => {
    const { redis } = loadConfig({
      REDIS_SENTINELS: '10.0.0.5:26379, 10.0.0.6:26379,[::1]:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_SENTINEL_PASSWORD: 'pw',
      REDIS_TLS: 'true',
      REDIS_ACK_REPLICAS: '1',
      REDIS_ACK_TIMEOUT_MS: '250',
    });
    expect(redis.topology).toEqual({
      mode: 'sentinel',
      name: 'mymaster',
      sentinels: [
        { host: '10.0.0.5', port: 26379 },
        { host: '10.0.0.6', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      sentinelUsername: 'watcher',
      sentinelPassword: 'pw',
    });
    expect(redis.tls).toBe(true);
    expect([redis.ackReplicas, redis.ackTimeoutMs]).toEqual([1, 250]);
    expect(redis.prefix).toBe('bridge');
  });

  it('puts every key of a cluster under one hash tag', () => {
    const { redis } = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', REDIS_PREFIX: 'prod' });
    expect(redis.topology).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
    });
    expect(redis.prefix).toBe('{prod}');
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: '{prod}' }).redis.prefix).toBe('{prod}');
    expect(hashTagged('{x}')).toBe('{x}');
    // A hash tag may be chosen on one server too (ready to move to a cluster without renaming keys).
    expect(loadConfig({ REDIS_PREFIX: '{bridge}' }).redis.prefix).toBe('{bridge}');
  });

  it('names what is wrong', () => {
    expect(problems({ REDIS_SENTINELS: '10.0.0.5:26379' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS/)]);
    expect(problems({ REDIS_SENTINEL_NAME: 'mymaster' })).toEqual(['REDIS_SENTINEL_NAME: is used only with REDIS_SENTINELS']);
    expect(problems({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'b:2' })).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES: cannot be set together with REDIS_SENTINELS/),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: '10.0.0.5' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: expected host:port.* \(got "10.0.0.5"\)/)]);
    expect(problems({ REDIS_CLUSTER_NODES: 'h:70000' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: expected host:port/)]);
    expect(problems({ REDIS_CLUSTER_NODES: ' , ' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: expected host:port/)]);
    expect(problems({ REDIS_CLUSTER_NODES: 'h:7000', REDIS_ACK_REPLICAS: '1' })).toEqual([
      expect.stringMatching(/^REDIS_ACK_REPLICAS: is for one primary with replicas/),
    ]);
    expect(problems({ REDIS_USERNAME: 'bridge' })).toEqual(['REDIS_PASSWORD: is required with REDIS_USERNAME']);
    expect(problems({ REDIS_TLS: 'maybe' })).toEqual(['REDIS_TLS: expected true or false (got "maybe")']);
    expect(problems({ REDIS_ACK_REPLICAS: 'two' })).toEqual([expect.stringMatching(/^REDIS_ACK_REPLICAS: expected a whole number from 0 to 16/)]);
    expect(problems({ REDIS_PREFIX: '{a}b' })).toEqual([expect.stringMatching(/^REDIS_PREFIX: .*hash tag such as \{bridge\}/)]);
    const secret = problems({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_SENTINEL_PASSWORD: '', REDIS_SENTINEL_USERNAME: 'u' });
    expect(secret).toEqual(['REDIS_SENTINEL_PASSWORD: is required with REDIS_SENTINEL_USERNAME']);
  });

  it('sends a command again after a READONLY answer, and nothing else', () => {
    expect(retryOnReadOnly(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(retryOnReadOnly(new Error('ERR unknown command'))).toBe(false);
  });
});
