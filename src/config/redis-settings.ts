import { z } from 'zod';
import { integer, nonEmpty, url } from './fields.js';

/**
 * Where Redis is and how to reach it: one server (`REDIS_URL`), a primary found through Sentinel
 * (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`), or a Redis Cluster (`REDIS_CLUSTER_NODES`). TLS
 * (`rediss://`, or `REDIS_TLS=true` for Sentinel and Cluster) and ACL credentials apply to all three.
 * src/redis-connections.ts builds every connection from what this returns.
 */
export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; sentinelUsername: string | undefined; sentinelPassword: string | undefined }
  | { mode: 'cluster'; nodes: HostPort[] };

export interface RedisSettings {
  /** The one-server URL (also the default when neither Sentinel nor Cluster is set). */
  url: string;
  /**
   * Every key the bridge and BullMQ write starts with it. In cluster mode it is a hash tag such as
   * `{bridge}`, so that all keys live in one slot (scripts and transactions span several keys).
   */
  prefix: string;
  topology: RedisTopology;
  /** ACL user and password for the data nodes (for one server they may also be in the URL). */
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** Replicas that must hold an intake append or an outbox write before it is acknowledged (WAIT). */
  ackReplicas: number;
  ackTimeoutMs: number;
}

const PREFIX = /^(\{[A-Za-z0-9_.-]{1,64}\}|[A-Za-z0-9_.-]{1,64})$/;

const hostPorts = (example: string) =>
  z.string().transform((value, ctx) => {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const out: HostPort[] = [];
    for (const part of parts) {
      const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(part);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65_535) {
        ctx.addIssue({ code: 'custom', message: `expected host:port[,host:port…] such as ${example} (got "${part}")` });
        return z.NEVER;
      }
      out.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected host:port[,host:port…] such as ${example}` });
      return z.NEVER;
    }
    return out;
  });

const flag = z.string().transform((value, ctx) => {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false (got "${value}")` });
  return z.NEVER;
});

/** The Redis part of the environment contract (merged into config.ts' schema). */
export const redisEnvSchema = {
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(PREFIX, 'expected letters, digits, "_", "." or "-" such as bridge, or a hash tag such as {bridge}').default('bridge'),
  REDIS_SENTINELS: hostPorts('10.0.0.5:26379,10.0.0.6:26379,10.0.0.7:26379').optional(),
  REDIS_SENTINEL_NAME: nonEmpty('mymaster').optional(),
  REDIS_SENTINEL_USERNAME: nonEmpty('sentinel-user').optional(),
  REDIS_SENTINEL_PASSWORD: nonEmpty('…', true).optional(),
  REDIS_CLUSTER_NODES: hostPorts('10.0.0.5:6379,10.0.0.6:6379,10.0.0.7:6379').optional(),
  REDIS_TLS: flag.optional(),
  REDIS_USERNAME: nonEmpty('bridge').optional(),
  REDIS_PASSWORD: nonEmpty('…', true).optional(),
  REDIS_ACK_REPLICAS: integer(0, 16, '1').default(0),
  REDIS_ACK_TIMEOUT_MS: integer(1, 60_000, '500').default(500),
};

type RedisEnv = z.output<z.ZodObject<typeof redisEnvSchema>>;

/** Combinations the schema cannot see field by field; one line per problem. */
export function redisProblems(present: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const has = (name: string) => present[name] !== undefined;
  if (has('REDIS_SENTINELS') && has('REDIS_CLUSTER_NODES')) {
    problems.push('REDIS_CLUSTER_NODES: cannot be set together with REDIS_SENTINELS (choose Sentinel or Cluster)');
  }
  if (has('REDIS_SENTINELS') && !has('REDIS_SENTINEL_NAME')) {
    problems.push('REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS (the name the sentinels monitor, such as mymaster)');
  }
  if (!has('REDIS_SENTINELS')) {
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD']) {
      if (has(name)) problems.push(`${name}: is used only with REDIS_SENTINELS`);
    }
  }
  if (has('REDIS_SENTINEL_USERNAME') && !has('REDIS_SENTINEL_PASSWORD')) problems.push('REDIS_SENTINEL_PASSWORD: is required with REDIS_SENTINEL_USERNAME');
  if (has('REDIS_CLUSTER_NODES') && has('REDIS_ACK_REPLICAS') && present.REDIS_ACK_REPLICAS?.trim() !== '0') {
    problems.push('REDIS_ACK_REPLICAS: is for one primary with replicas (REDIS_URL or REDIS_SENTINELS); leave it at 0 with REDIS_CLUSTER_NODES');
  }
  if (has('REDIS_USERNAME') && !has('REDIS_PASSWORD')) problems.push('REDIS_PASSWORD: is required with REDIS_USERNAME');
  return problems;
}

export function redisSettings(e: RedisEnv): RedisSettings {
  const common = {
    url: e.REDIS_URL,
    username: e.REDIS_USERNAME,
    password: e.REDIS_PASSWORD,
    ackReplicas: e.REDIS_ACK_REPLICAS,
    ackTimeoutMs: e.REDIS_ACK_TIMEOUT_MS,
  };
  if (e.REDIS_CLUSTER_NODES) {
    return {
      ...common,
      prefix: hashTagged(e.REDIS_PREFIX),
      topology: { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES },
      tls: e.REDIS_TLS ?? false,
    };
  }
  if (e.REDIS_SENTINELS && e.REDIS_SENTINEL_NAME) {
    return {
      ...common,
      prefix: e.REDIS_PREFIX,
      topology: {
        mode: 'sentinel',
        sentinels: e.REDIS_SENTINELS,
        name: e.REDIS_SENTINEL_NAME,
        sentinelUsername: e.REDIS_SENTINEL_USERNAME,
        sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      },
      tls: e.REDIS_TLS ?? false,
    };
  }
  return {
    ...common,
    prefix: e.REDIS_PREFIX,
    topology: { mode: 'standalone', url: e.REDIS_URL },
    tls: e.REDIS_TLS ?? e.REDIS_URL.startsWith('rediss:'),
  };
}

/** `bridge` → `{bridge}`; a prefix that is a hash tag already stays as it is. */
export function hashTagged(prefix: string): string {
  return prefix.startsWith('{') ? prefix : `{${prefix}}`;
}
