import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './redis-server.js';

/**
 * A TCP proxy between the bridge and a redis-server that reads RESP in both directions, so a test
 * can see every round trip the bridge makes and take Redis away at exactly one of them.
 *
 * A round trip is what a client writes in one go (a command, a pipeline, a MULTI … EXEC) and the
 * replies it waits for. At a chosen round trip the proxy either withholds it (`before`: Redis never
 * ran it) or lets Redis run it and withholds the replies (`after`: done, but the client never
 * hears so). Then it acts out a restart: every connection is cut, the port refuses connections
 * while `outage` runs (a real restart of the server, or a pause), and it listens again.
 */

export interface RoundTrip {
  /** The client connection's name (CLIENT SETNAME), or `?` before it named itself. */
  connection: string;
  /** The commands, each as its arguments (long arguments shortened). */
  commands: string[][];
  /** One line per command: name, script (by its first line) or first key, with ids normalised. */
  signature: string;
  at: number;
}

export type FaultMode = 'before' | 'after';

export interface Fault {
  /** Called for each round trip in order; true: this is the one. */
  match(rt: RoundTrip): boolean;
  mode: FaultMode;
}

export interface FaultProxy {
  port: number;
  url: string;
  /** Round trips seen since the last `clearLog()`, in the order they arrived. */
  log(): RoundTrip[];
  clearLog(): void;
  /** Arms one fault; resolves with the round trip it hit and when Redis answered again. */
  arm(fault: Fault): Promise<{ hit: RoundTrip; backAt: number }>;
  /** Disarms a fault that never hit. */
  disarm(): void;
  /** Cuts every connection and refuses new ones while `outage` runs (see `start`). */
  restart(): Promise<number>;
  close(): Promise<void>;
}

interface Pending {
  replies: number;
  /** The fault's step: its replies are withheld, and Redis goes away once they are all in. */
  holdBack: boolean;
  onHeld: (() => void) | undefined;
}

interface Link {
  client: Socket;
  server: Socket;
  name: string;
  fromClient: Buffer;
  fromServer: Buffer;
  pending: Pending[];
  /** A MULTI block still arriving: it is one step, sent on when its EXEC is in. */
  multi: { commands: string[][]; lines: string[]; bytes: Buffer[] } | undefined;
}

/**
 * `outage` is what happens while the port is closed (e.g. stopping and starting the server with its
 * append-only file, or a pause). `downMs` when no outage is given.
 */
export async function startFaultProxy(target: { port: number }, o: { outage?: () => Promise<void>; downMs?: number } = {}): Promise<FaultProxy> {
  const port = await freePort();
  const links = new Set<Link>();
  const scripts = new Map<string, string>();
  let entries: RoundTrip[] = [];
  let armed: { fault: Fault; resolve(v: { hit: RoundTrip; backAt: number }): void; reject(err: unknown): void } | undefined;
  let server: Server | undefined;
  let down: Promise<number> | undefined;
  const outage = o.outage ?? (() => new Promise<void>((r) => setTimeout(r, o.downMs ?? 500)));

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer(accept);
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        server = srv;
        resolve();
      });
    });

  function accept(client: Socket): void {
    client.setNoDelay(true);
    const upstream = createConnection({ port: target.port, host: '127.0.0.1' });
    upstream.setNoDelay(true);
    const link: Link = { client, server: upstream, name: '?', fromClient: Buffer.alloc(0), fromServer: Buffer.alloc(0), pending: [], multi: undefined };
    links.add(link);
    const drop = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => onClientData(link, chunk));
    upstream.on('data', (chunk: Buffer) => onServerData(link, chunk));
  }

  function onClientData(link: Link, chunk: Buffer): void {
    if (down) return;
    link.fromClient = link.fromClient.length ? Buffer.concat([link.fromClient, chunk]) : chunk;
    const units: { commands: string[][]; lines: string[]; bytes: Buffer }[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseCommand(link.fromClient, offset);
      if (!parsed) break;
      const bytes = link.fromClient.subarray(offset, parsed.end);
      offset = parsed.end;
      const args = parsed.args;
      const name = args[0]?.toUpperCase();
      if (name === 'CLIENT' && args[1]?.toUpperCase() === 'SETNAME' && args[2]) link.name = args[2];
      if (name === 'EVAL' && args[1]) scripts.set(createHash('sha1').update(args[1]).digest('hex'), scriptLabel(args[1]));
      const line = commandLine(args, scripts);
      if (link.multi) {
        link.multi.commands.push(args);
        link.multi.lines.push(line);
        link.multi.bytes.push(bytes);
        if (name === 'EXEC' || name === 'DISCARD') {
          units.push({ commands: link.multi.commands, lines: link.multi.lines, bytes: Buffer.concat(link.multi.bytes) });
          link.multi = undefined;
        }
        continue;
      }
      if (name === 'MULTI') {
        link.multi = { commands: [args], lines: [line], bytes: [bytes] };
        continue;
      }
      const last = units.at(-1);
      // A pipeline of the same command (one read per entry, say) is one step.
      if (last && last.lines.length > 0 && last.lines.every((l) => l === line) && last.commands[0]![0]!.toUpperCase() !== 'MULTI') {
        last.commands.push(args);
        last.lines.push(line);
        last.bytes = Buffer.concat([last.bytes, bytes]);
      } else {
        units.push({ commands: [args], lines: [line], bytes });
      }
    }
    link.fromClient = link.fromClient.subarray(offset);
    for (const unit of units) {
      const rt: RoundTrip = {
        connection: link.name,
        commands: unit.commands.map((c) => c.map((a) => (a.length > 200 ? `${a.slice(0, 200)}…` : a))),
        signature: `${normalise(link.name)}: ${[...new Set(unit.lines)].join(' | ')}`,
        at: Date.now(),
      };
      entries.push(rt);
      const hit = armed && armed.fault.match(rt) ? armed : undefined;
      if (hit) armed = undefined;
      if (hit && hit.fault.mode === 'before') {
        void cut(hit, rt);
        return;
      }
      link.pending.push({ replies: unit.commands.length, holdBack: Boolean(hit), onHeld: hit ? () => void cut(hit, rt) : undefined });
      link.server.write(unit.bytes);
      // Redis goes away once this step has run: nothing after it reaches the server.
      if (hit) return;
    }
  }

  function onServerData(link: Link, chunk: Buffer): void {
    if (down) return;
    const buf = link.fromServer.length ? Buffer.concat([link.fromServer, chunk]) : chunk;
    let offset = 0;
    let forwardFrom = 0;
    while (link.pending.length > 0) {
      const end = replyEnd(buf, offset);
      if (end < 0) break;
      const p = link.pending[0]!;
      if (p.holdBack) {
        if (offset > forwardFrom) link.client.write(buf.subarray(forwardFrom, offset));
        forwardFrom = end;
      }
      offset = end;
      p.replies -= 1;
      if (p.replies === 0) {
        link.pending.shift();
        if (p.holdBack) {
          link.fromServer = Buffer.alloc(0);
          p.onHeld?.();
          return;
        }
      }
    }
    if (offset > forwardFrom) link.client.write(buf.subarray(forwardFrom, offset));
    link.fromServer = buf.subarray(offset);
  }

  async function cut(hit: NonNullable<typeof armed>, rt: RoundTrip): Promise<void> {
    try {
      const backAt = await restart();
      hit.resolve({ hit: rt, backAt });
    } catch (err) {
      hit.reject(err);
    }
  }

  function restart(): Promise<number> {
    down ??= (async () => {
      const srv = server;
      server = undefined;
      const closed = srv ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve();
      for (const link of [...links]) {
        link.client.destroy();
        link.server.destroy();
      }
      links.clear();
      await closed;
      await outage();
      await listen();
      return Date.now();
    })().finally(() => {
      down = undefined;
    });
    return down;
  }

  await listen();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    log: () => [...entries],
    clearLog: () => {
      entries = [];
    },
    arm: (fault) =>
      new Promise((resolve, reject) => {
        armed = { fault, resolve, reject };
      }),
    disarm: () => {
      armed = undefined;
    },
    restart,
    close: async () => {
      armed = undefined;
      await down;
      const srv = server;
      server = undefined;
      for (const link of [...links]) {
        link.client.destroy();
        link.server.destroy();
      }
      links.clear();
      if (srv) await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** A command (RESP array of bulk strings, or an inline command) starting at `offset`, or undefined if incomplete. */
function parseCommand(buf: Buffer, offset: number): { args: string[]; end: number } | undefined {
  if (offset >= buf.length) return undefined;
  if (buf[offset] !== 0x2a) {
    const eol = buf.indexOf('\r\n', offset);
    if (eol < 0) return undefined;
    return { args: buf.toString('utf8', offset, eol).trim().split(/\s+/), end: eol + 2 };
  }
  let eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return undefined;
  const count = Number(buf.toString('latin1', offset + 1, eol));
  let at = eol + 2;
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    if (at >= buf.length) return undefined;
    eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const len = Number(buf.toString('latin1', at + 1, eol));
    const start = eol + 2;
    if (start + len + 2 > buf.length) return undefined;
    args.push(buf.toString('utf8', start, start + len));
    at = start + len + 2;
  }
  return { args, end: at };
}

/** The end of the RESP2 reply starting at `offset`, or -1 if it is not all there yet. */
function replyEnd(buf: Buffer, offset: number): number {
  if (offset >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return -1;
  const type = buf[offset];
  if (type === 0x2b || type === 0x2d || type === 0x3a) return eol + 2; // + - :
  const n = Number(buf.toString('latin1', offset + 1, eol));
  if (type === 0x24) {
    if (n < 0) return eol + 2;
    return eol + 2 + n + 2 <= buf.length ? eol + 2 + n + 2 : -1;
  }
  if (type === 0x2a) {
    let at = eol + 2;
    for (let i = 0; i < n; i++) {
      at = replyEnd(buf, at);
      if (at < 0) return -1;
    }
    return n < 0 ? eol + 2 : at;
  }
  throw new Error(`unexpected RESP reply type ${String.fromCharCode(type ?? 0)}`);
}

/** A script by its first meaningful line (BullMQ's open with a comment naming what they do). */
function scriptLabel(lua: string): string {
  const line = lua
    .split('\n')
    .map((l) => l.replace(/^\s*(--\[\[|--)?\s*/, '').trim())
    .find((l) => l.length > 0);
  return (line ?? 'script').slice(0, 60);
}

/** Ids, hashes and numbers made alike, so that one step of two runs has one signature. */
export function normalise(s: string): string {
  return s.replace(/[0-9a-f]{8,}/gi, 'H').replace(/\d+/g, '#');
}

/** One command as a line of a signature: its name with the script (by first line) or first key. */
function commandLine(args: string[], scripts: Map<string, string>): string {
  const name = (args[0] ?? '').toUpperCase();
  if (name === 'EVALSHA' || name === 'EVAL') {
    const sha =
      name === 'EVAL'
        ? createHash('sha1')
            .update(args[1] ?? '')
            .digest('hex')
        : (args[1] ?? '');
    const numKeys = Number(args[2] ?? 0);
    return `script [${scripts.get(sha) ?? sha.slice(0, 8)}]${numKeys > 0 ? ` ${normalise(args[3] ?? '')}` : ''}`;
  }
  return `${name}${args[1] !== undefined && !['MULTI', 'EXEC', 'PING', 'INFO'].includes(name) ? ` ${normalise(args[1])}` : ''}`;
}
