import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from './config/redis-settings.js';
import { createRedis, listened, roleOptions, type RedisRole } from './redis.js';

/**
 * Builds every Redis connection of the bridge from its settings: the fail-fast `command` connection
 * and the patient `worker` one (see src/redis.ts), for one server, a primary behind Sentinel or a
 * Redis Cluster. BullMQ's blocking connections and the intake readers are `duplicate()`s of these,
 * so they inherit the same topology, credentials and TLS.
 *
 * A Cluster is handed out typed as `Redis`: it serves the same commands, and every key the bridge
 * uses carries one hash tag (src/config/redis-settings.ts), so scripts and transactions stay within
 * one slot. The connections emit ioredis' own events ('error', 'close', 'ready', 'end').
 */
export function connectRedis(settings: RedisSettings, role: RedisRole, name: string): Redis {
  const t = settings.topology;
  if (t.mode === 'standalone') return createRedis(t.url, role, name, credentials(settings));
  if (t.mode === 'sentinel') {
    return listened(
      new Redis({
        ...roleOptions(role, name),
        ...credentials(settings),
        sentinels: t.sentinels,
        name: t.name,
        sentinelUsername: t.sentinelUsername,
        sentinelPassword: t.sentinelPassword,
        ...(settings.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
        sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        reconnectOnError: retryOnReadOnly,
      }),
    );
  }
  const cluster = new Cluster(t.nodes, clusterOptions(settings, role, name));
  cluster.on('error', () => undefined);
  return cluster as unknown as Redis;
}

/**
 * A primary demoted by a failover answers writes with READONLY until the connection moves: drop it
 * and send the command again to the new primary (2). A refused write was not applied, so this is safe.
 */
export function retryOnReadOnly(err: Error): false | 2 {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/** ACL and TLS options for the data nodes; nothing at all for a plain URL, which carries its own. */
function credentials(settings: RedisSettings): RedisOptions {
  const options: RedisOptions = {};
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.password !== undefined) options.password = settings.password;
  // rediss:// turns TLS on by itself; REDIS_TLS does for Sentinel, Cluster or a redis:// URL.
  if (settings.tls && !(settings.topology.mode === 'standalone' && settings.url.startsWith('rediss:'))) options.tls = {};
  return options;
}

function clusterOptions(settings: RedisSettings, role: RedisRole, name: string): ClusterOptions {
  const perNode: RedisOptions = role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  return {
    redisOptions: { ...credentials(settings), connectionName: name, ...perNode, reconnectOnError: retryOnReadOnly },
    enableOfflineQueue: role === 'worker',
    enableReadyCheck: true,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // The replica a failover promotes takes a moment to be announced: MOVED/CLUSTERDOWN are retried.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    // Managed clusters announce node names that must be used as they are for TLS.
    dnsLookup: (address, callback) => callback(null, address),
  };
}
