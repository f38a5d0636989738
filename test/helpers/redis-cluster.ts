import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cli, spawnRedisServer, stopProcesses, waitUntil } from './redis-server.js';

const run = promisify(execFile);

/** Whether `port` can be listened on at 127.0.0.1 right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
}

/**
 * A Redis Cluster of three primaries on free loopback ports (`redis-server --cluster-enabled yes`,
 * joined by `redis-cli --cluster create`), with its data in a temporary folder; `close()` stops it.
 */
export class OwnRedisCluster {
  private readonly children: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'bridge-cluster-'));

  private constructor(readonly ports: number[]) {}

  static async start(primaries = 3): Promise<OwnRedisCluster> {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < primaries; i++) ports.push(await freeClusterPort(taken));
    const cluster = new OwnRedisCluster(ports);
    try {
      await cluster.launch();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** `REDIS_CLUSTER_NODES` for this cluster. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  private async launch(): Promise<void> {
    for (const port of this.ports) {
      const child = spawnRedisServer(port, this.dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]);
      this.children.push(child);
    }
    for (const port of this.ports) await waitUntil(async () => (await cli(port, 'PING')) === 'PONG', `redis-server on ${port}`);
    await run('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of this.ports) {
      await waitUntil(async () => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `cluster state on ${port}`);
    }
  }

  /** The port of the primary serving `key`'s slot. */
  async portOf(key: string): Promise<number> {
    const slot = Number(await cli(this.ports[0]!, 'CLUSTER', 'KEYSLOT', key));
    for (const port of this.ports) {
      const line = (await cli(port, 'CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself'));
      const ranges = line?.split(' ').slice(8) ?? [];
      if (ranges.some((r) => inRange(r, slot))) return port;
    }
    throw new Error(`no primary serves slot ${slot}`);
  }

  async close(): Promise<void> {
    await stopProcesses(this.children);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function inRange(range: string, slot: number): boolean {
  const [from, to] = range.split('-').map(Number);
  return from !== undefined && slot >= from && slot <= (to ?? from);
}
