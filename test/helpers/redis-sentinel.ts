import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, freePort, spawnRedisServer, stopProcesses, waitUntil } from './redis-server.js';

export const SENTINEL_NAME = 'bridge-primary';

/**
 * A primary, a replica and three sentinels (quorum 2, down after 1 s) on free loopback ports, each a
 * `redis-server` of its own (`--sentinel` for the sentinels), with their files in a temporary folder.
 * `killPrimary()` SIGKILLs whichever server is the primary now; the sentinels promote the replica.
 */
export class OwnRedisSentinel {
  private readonly dir = mkdtempSync(join(tmpdir(), 'bridge-sentinel-'));
  private readonly servers = new Map<number, ChildProcess>();
  private readonly sentinels: ChildProcess[] = [];

  private constructor(
    readonly dataPorts: number[],
    readonly sentinelPorts: number[],
  ) {}

  static async start(): Promise<OwnRedisSentinel> {
    const ports: number[] = [];
    while (ports.length < 5) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const topology = new OwnRedisSentinel(ports.slice(0, 2), ports.slice(2));
    try {
      await topology.launch();
    } catch (err) {
      await topology.close();
      throw err;
    }
    return topology;
  }

  /** `REDIS_SENTINELS` for this topology. */
  get sentinelList(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  private async launch(): Promise<void> {
    const [primary, replica] = this.dataPorts as [number, number];
    this.startServer(primary, []);
    this.startServer(replica, ['--replicaof', '127.0.0.1', String(primary)]);
    await waitUntil(async () => (await cli(replica, 'INFO', 'replication')).includes('master_link_status:up'), 'replica link');
    for (const port of this.sentinelPorts) {
      const file = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 3000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.push(spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
    }
    for (const port of this.sentinelPorts) {
      await waitUntil(async () => (await cli(port, 'SENTINEL', 'REPLICAS', SENTINEL_NAME)).includes(String(replica)), `sentinel ${port}`);
      await waitUntil(
        async () => (await cli(port, 'SENTINEL', 'SENTINELS', SENTINEL_NAME)).split('\n').filter((l) => l === 'runid').length >= 2,
        `sentinel ${port} peers`,
      );
    }
  }

  private startServer(port: number, extra: string[]): void {
    const child = spawnRedisServer(port, this.dir, ['--dbfilename', `dump-${port}.rdb`, '--repl-diskless-sync-delay', '0', ...extra]);
    this.servers.set(port, child);
  }

  /** The port of the primary as the sentinels know it. */
  async primaryPort(): Promise<number> {
    const answer = (await cli(this.sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)).split('\n');
    return Number(answer[1]);
  }

  /** SIGKILLs the primary (no shutdown, no last write to disk); resolves with its port. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    const child = this.servers.get(port);
    if (!child) throw new Error(`no server on ${port}`);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    return port;
  }

  /**
   * Starts the killed server again, empty, as a replica of the primary the sentinels name now (as a
   * supervisor that asks them does; left to themselves they would convert it too, some 10 s later).
   */
  async restart(port: number): Promise<void> {
    this.startServer(port, ['--replicaof', '127.0.0.1', String(await this.primaryPort())]);
    await waitUntil(async () => (await cli(port, 'INFO', 'replication')).includes('master_link_status:up'), `server ${port} as a replica`, 30_000);
  }

  /** Resolves once the sentinels name a primary other than `old` and it takes writes. */
  async promoted(old: number, timeoutMs = 30_000): Promise<number> {
    let port = old;
    await waitUntil(
      async () => {
        port = await this.primaryPort();
        return port !== old && (await cli(port, 'INFO', 'replication')).includes('role:master');
      },
      'a new primary',
      timeoutMs,
    );
    return port;
  }

  async close(): Promise<void> {
    await stopProcesses([...this.sentinels, ...this.servers.values()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
