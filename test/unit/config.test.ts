import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { parseDuration, parseRateSpec } from '../../src/config/rate-spec.js';

function problems(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig(env, (p) => {
      if (!(p in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return files[p]!;
    });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('rate specs', () => {
  it('parses N/duration in any unit', () => {
    expect(parseRateSpec('30/1m')).toEqual({ limit: 30, periodMs: 60_000 });
    expect(parseRateSpec('3/1s')).toEqual({ limit: 3, periodMs: 1000 });
    expect(parseRateSpec('30/3s')).toEqual({ limit: 30, periodMs: 3000 });
    expect(parseRateSpec('100/500ms')).toEqual({ limit: 100, periodMs: 500 });
    expect(parseRateSpec('30/m')).toEqual({ limit: 30, periodMs: 60_000 });
    expect(parseRateSpec(' 5 / 1.5s ')).toEqual({ limit: 5, periodMs: 1500 });
    expect(parseDuration('2h')).toBe(7_200_000);
  });

  it('refuses what is not a rate', () => {
    for (const bad of ['', 'abc', '30', '30/', '/1m', '0/1m', '-1/1s', '3/0s', '3/1x', '3.5/1s', '3/1 minutes']) {
      expect(parseRateSpec(bad), bad).toBeUndefined();
    }
  });
});

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.expereo.baseUrl).toBeUndefined();
    expect(config.expereo.scopes).toEqual(['customerapi/basic.read', 'customerapi/support.read-write']);
    expect(config.expereo.writeBudget).toEqual({ limit: 30, periodMs: 60_000, burst: 1 });
    expect(config.expereo.readBudget).toEqual({ limit: 3, periodMs: 1000, burst: 50 });
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'bridge', topology: { mode: 'standalone' }, ackReplicas: 0 });
    expect(config.redisOutageSummaryMs).toBe(30_000);
    expect(config.http.port).toBe(3000);
    expect(config.role).toBe('all');
    expect(config.expereo.closedStatuses).toEqual(['Closed', 'Resolved', 'Cancelled']);
    expect(config.expereo.budgetMargin).toBe(0.001);
    expect(config.expereo.budgetAllowanceMs).toBe(200);
    expect(config.sandbox).toEqual({ port: 3100, limiter: 'token-bucket' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.expereo.readBudget)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow();
  });

  it('reads every variable of the contract', () => {
    const config = loadConfig({
      EXPEREO_BASE_URL: 'https://api.example.test/',
      EXPEREO_TOKEN_URL: 'https://auth.example.test/oauth2/token',
      EXPEREO_CLIENT_ID: 'id',
      EXPEREO_CLIENT_SECRET: 'secret',
      EXPEREO_SCOPES: 'a  b',
      EXPEREO_WRITE_LIMIT: '30/3s',
      EXPEREO_READ_LIMIT: '10/1s',
      EXPEREO_READ_BURST: '5',
      REDIS_URL: 'redis://localhost:6380/2',
      REDIS_PREFIX: 'br',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ADMIN_TOKEN: 'x'.repeat(32),
      ROLE: 'worker',
    });
    expect(config.expereo.baseUrl).toBe('https://api.example.test');
    expect(config.expereo.scopes).toEqual(['a', 'b']);
    expect(config.expereo.writeBudget).toEqual({ limit: 30, periodMs: 3000, burst: 1 });
    expect(config.expereo.readBudget).toEqual({ limit: 10, periodMs: 1000, burst: 5 });
    expect(config.role).toBe('worker');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('reads the budget allowance and the built-in sandbox limiter', () => {
    const config = loadConfig({ EXPEREO_BUDGET_ALLOWANCE: '50ms', EXPEREO_BUDGET_MARGIN: '0', SANDBOX_LIMITER: 'sliding-window' });
    expect(config.expereo.budgetAllowanceMs).toBe(50);
    expect(config.expereo.budgetMargin).toBe(0);
    expect(config.sandbox.limiter).toBe('sliding-window');
    const lines = problems({ EXPEREO_BUDGET_ALLOWANCE: 'soon', SANDBOX_LIMITER: 'leaky-bucket' });
    expect(lines.find((l) => l.startsWith('EXPEREO_BUDGET_ALLOWANCE:'))).toMatch(/duration such as 200ms/);
    expect(lines.find((l) => l.startsWith('SANDBOX_LIMITER:'))).toMatch(/token-bucket, sliding-window, fixed-window/);
  });

  it('names each bad variable on its own line with an example', () => {
    const lines = problems({ EXPEREO_READ_LIMIT: 'lots', PORT: 'eighty', ROLE: 'boss', REDIS_URL: 'http://x' });
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('EXPEREO_READ_LIMIT:'))).toMatch(/N\/duration such as 3\/1s \(got "lots"\)/);
    expect(lines.find((l) => l.startsWith('PORT:'))).toMatch(/whole number/);
    expect(lines.find((l) => l.startsWith('ROLE:'))).toMatch(/all, api, worker/);
    expect(lines.find((l) => l.startsWith('REDIS_URL:'))).toMatch(/redis:/);
  });

  it('requires credentials with a real base URL and never prints secrets', () => {
    const lines = problems({ EXPEREO_BASE_URL: 'https://api.example.test', EXPEREO_CLIENT_SECRET: '   ' });
    expect(lines.some((l) => l.startsWith('EXPEREO_TOKEN_URL: is required'))).toBe(true);
    expect(lines.some((l) => l.startsWith('EXPEREO_CLIENT_ID: is required'))).toBe(true);
    const secretLine = lines.find((l) => l.startsWith('EXPEREO_CLIENT_SECRET'));
    expect(secretLine).toBeDefined();
    expect(secretLine).not.toContain('   "');
    const admin = problems({ ADMIN_TOKEN: 'short-secret' });
    expect(admin.join('\n')).not.toContain('short-secret');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', EXPEREO_BASE_URL: '' }).http.port).toBe(3000);
  });

  it('loads the routing file as YAML or JSON and reports its problems by path', () => {
    const yaml = loadConfig({ BRIDGE_CONFIG: '/r.yaml' }, () => 'version: 1\nslack: {}\n');
    expect(yaml.routing.version).toBe(1);
    const json = loadConfig({ BRIDGE_CONFIG: '/r.json' }, () => '{"version":1}');
    expect(json.routingPath).toBe('/r.json');
    expect(problems({ BRIDGE_CONFIG: '/missing.yaml' })[0]).toMatch(/BRIDGE_CONFIG: cannot read routing file \/missing.yaml \(ENOENT\)/);
    expect(problems({ BRIDGE_CONFIG: '/bad.yaml' }, { '/bad.yaml': 'a: [' })[0]).toMatch(/not valid YAML or JSON/);
    expect(problems({ BRIDGE_CONFIG: '/x.yaml' }, { '/x.yaml': 'version: 2\nmystery: 1\n' })).toEqual([
      expect.stringMatching(/^BRIDGE_CONFIG \(\/x.yaml\): version: /),
      expect.stringMatching(/^BRIDGE_CONFIG \(\/x.yaml\): \(top level\): .*mystery/),
    ]);
  });
});

describe('Slack settings', () => {
  it('turns Slack on over HTTP with a signing secret, or in Socket Mode with an app token', () => {
    expect(loadConfig({}).slack).toBeUndefined();
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack).toMatchObject({ botToken: 'xoxb-1', signingSecret: 's' });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack).toMatchObject({ appToken: 'xapp-1', signingSecret: undefined });
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([expect.stringMatching(/^SLACK_SIGNING_SECRET: is required/)]);
    expect(problems({ SLACK_SIGNING_SECRET: 's' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: is required/)]);
  });
});
