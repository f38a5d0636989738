import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for Slack over real HTTP: the Web API (`<url>/api/<method>`) answering like Slack
 * (the bot's own posts kept, for `conversations.replies`),
 * response URLs (`<url>/respond/<id>`) for slash commands and shortcuts, and a Socket Mode
 * WebSocket (`apps.connections.open` points at it). Every call is recorded.
 */

export interface SlackCall {
  method: string;
  params: Record<string, any>;
}

export type Failure = { status: 429; retryAfterSeconds: number } | { error: string } | { status: number };

export interface FakeSlack {
  /** For SLACK_API_URL. */
  apiUrl: string;
  baseUrl: string;
  calls(method?: string): SlackCall[];
  /** Messages sent to response URLs. */
  responses(): { id: string; body: Record<string, any> }[];
  responseUrl(id: string): string;
  /** The next `count` calls of `method` fail this way. */
  failNext(method: string, failure: Failure, count?: number): void;
  users: Map<string, { name: string; realName?: string; displayName?: string }>;
  /** Socket Mode: the app's connections, envelopes sent to it, and its acknowledgements. */
  socket: { connections(): number; send(envelope: Record<string, unknown>): void; acks(): { envelope_id: string; payload?: Record<string, any> }[] };
  clear(): void;
  close(): Promise<void>;
}

export const FAKE_BOT = { userId: 'UBOT0001', botId: 'BBOT0001', teamId: 'T0TEST01' };

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const responses: { id: string; body: Record<string, any> }[] = [];
  const failures = new Map<string, Failure[]>();
  const users = new Map<string, { name: string; realName?: string; displayName?: string }>();
  let seq = 0;
  let baseUrl = '';
  const sockets = new Set<Socket>();
  const acks: { envelope_id: string; payload?: Record<string, any> }[] = [];
  /** Messages the bot posted, for `conversations.replies`. */
  const posted: { channel: string; ts: string; thread_ts?: string; text: unknown; metadata?: unknown }[] = [];

  const answer = (method: string, p: Record<string, any>): Record<string, unknown> => {
    seq += 1;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'expereo',
          team_id: FAKE_BOT.teamId,
          user_id: FAKE_BOT.userId,
          bot_id: FAKE_BOT.botId,
        };
      case 'chat.postMessage': {
        const ts = `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
        posted.push({
          channel: String(p.channel),
          ts,
          text: p.text,
          ...(p.thread_ts ? { thread_ts: String(p.thread_ts) } : {}),
          ...(p.metadata ? { metadata: p.metadata } : {}),
        });
        return {
          ok: true,
          channel: p.channel,
          ts,
          message: { type: 'message', text: p.text, ts, bot_id: FAKE_BOT.botId, ...(p.thread_ts ? { thread_ts: p.thread_ts } : {}) },
        };
      }
      case 'conversations.replies': {
        // The bot's own messages in the thread (the fake keeps no one else's), `oldest` and paging as Slack does.
        const thread = posted.filter(
          (m) => m.channel === p.channel && (m.ts === p.ts || m.thread_ts === p.ts) && (!p.oldest || Number(m.ts) >= Number(p.oldest)),
        );
        const start = Number(p.cursor ?? 0);
        const limit = Number(p.limit ?? 100);
        const next = start + limit < thread.length ? String(start + limit) : '';
        const withMetadata = String(p.include_all_metadata) === 'true';
        const messages = thread.slice(start, start + limit).map(({ metadata, channel: _channel, ...m }) => ({
          type: 'message',
          bot_id: FAKE_BOT.botId,
          ...m,
          ...(withMetadata && metadata ? { metadata } : {}),
        }));
        return { ok: true, messages, has_more: next !== '', response_metadata: { next_cursor: next } };
      }
      case 'chat.update':
        return { ok: true, channel: p.channel, ts: p.ts, text: p.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1_700_000_000 + seq}.000200` };
      case 'chat.getPermalink':
        return { ok: true, channel: p.channel, permalink: `https://test.slack.com/archives/${p.channel}/p${String(p.message_ts).replace('.', '')}` };
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { ...(p.view ?? {}), id: p.view_id ?? `V${String(seq).padStart(8, '0')}`, hash: `hash-${seq}` } };
      case 'apps.connections.open':
        return { ok: true, url: `${baseUrl.replace('http:', 'ws:')}/socket-mode` };
      case 'users.info': {
        const u = users.get(String(p.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: p.user, name: u.name, real_name: u.realName ?? u.name, profile: { display_name: u.displayName ?? '', real_name: u.realName ?? u.name } },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', baseUrl);
    const params = parseParams(raw, req.headers['content-type']);
    if (url.pathname.startsWith('/respond/')) {
      responses.push({ id: url.pathname.slice('/respond/'.length), body: params });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    calls.push({ method, params });
    const failure = failures.get(method)?.shift();
    if (failure && 'retryAfterSeconds' in failure) {
      res
        .writeHead(429, { 'retry-after': String(failure.retryAfterSeconds), 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (failure && 'status' in failure) {
      res.writeHead(failure.status, { 'content-type': 'text/plain' }).end('upstream trouble');
      return;
    }
    const body = failure && 'error' in failure ? { ok: false, error: failure.error } : answer(method, params);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!key) return socket.destroy();
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    readFrames(socket, (opcode, data) => {
      if (opcode === 0x1) acks.push(JSON.parse(data.toString('utf8')) as (typeof acks)[number]);
      else if (opcode === 0x9) socket.write(frame(0xa, data));
      else if (opcode === 0x8) {
        socket.end(frame(0x8, data));
        sockets.delete(socket);
      }
    });
    socket.write(
      frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0TEST01' }, debug_info: { host: 'fake' } }))),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls: (method) => calls.filter((c) => method === undefined || c.method === method),
    responses: () => [...responses],
    responseUrl: (id) => `${baseUrl}/respond/${id}`,
    failNext: (method, failure, count = 1) => failures.set(method, [...(failures.get(method) ?? []), ...Array<Failure>(count).fill(failure)]),
    users,
    socket: {
      connections: () => sockets.size,
      send: (envelope) => {
        for (const socket of sockets) socket.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
      },
      acks: () => [...acks],
    },
    clear: () => {
      calls.length = 0;
      posted.length = 0;
      responses.length = 0;
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** One unmasked server frame (RFC 6455 §5.2). */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65_536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65_536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Reads the client's masked frames (unfragmented, as Slack's clients send them). */
function readFrames(socket: Socket, onFrame: (opcode: number, data: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      const maskAt = offset;
      if (masked) offset += 4;
      if (buf.length < offset + len) return;
      const data = Buffer.from(buf.subarray(offset, offset + len));
      if (masked) for (let i = 0; i < len; i++) data[i]! ^= buf[maskAt + (i % 4)]!;
      buf = buf.subarray(offset + len);
      onFrame(opcode, data);
    }
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Web API client sends forms whose object fields (view, blocks) are JSON; response URLs get JSON. */
function parseParams(raw: string, contentType: string | undefined): Record<string, any> {
  if (!raw) return {};
  if ((contentType ?? '').includes('application/json')) return JSON.parse(raw) as Record<string, any>;
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

// ---- signed requests -------------------------------------------------------------------------

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface SignedRequest {
  method: 'POST';
  url: '/slack/events';
  headers: Record<string, string>;
  payload: string;
}

/** A request as Slack sends it: v0 HMAC over `v0:<timestamp>:<body>`. */
export function signed(
  body: { json: unknown } | { form: Record<string, string> },
  o: { secret?: string; timestampS?: number; retryNum?: number; signature?: string } = {},
): SignedRequest {
  const payload = 'json' in body ? JSON.stringify(body.json) : new URLSearchParams(body.form).toString();
  const ts = String(o.timestampS ?? Math.floor(Date.now() / 1000));
  const signature =
    o.signature ??
    `v0=${createHmac('sha256', o.secret ?? SIGNING_SECRET)
      .update(`v0:${ts}:${payload}`)
      .digest('hex')}`;
  return {
    method: 'POST',
    url: '/slack/events',
    headers: {
      'content-type': 'json' in body ? 'application/json' : 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
      ...(o.retryNum !== undefined ? { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
    },
    payload,
  };
}

/** An interactivity request (shortcut, modal, options): a form with one JSON `payload` field. */
export function interactive(payload: unknown, o?: Parameters<typeof signed>[1]): SignedRequest {
  return signed({ form: { payload: JSON.stringify(payload) } }, o);
}

export function slashCommand(o: { text: string; channel: string; user?: string; team?: string; responseUrl: string; triggerId?: string }): SignedRequest {
  return signed({
    form: {
      token: 'legacy-token',
      team_id: o.team ?? FAKE_BOT.teamId,
      team_domain: 'test',
      channel_id: o.channel,
      channel_name: 'ops',
      user_id: o.user ?? 'UPERSON01',
      user_name: 'ana',
      command: '/case',
      text: o.text,
      api_app_id: 'A0TEST01',
      is_enterprise_install: 'false',
      response_url: o.responseUrl,
      trigger_id: o.triggerId ?? 'trigger-1',
    },
  });
}

export function messageEvent(
  o: { channel: string; user?: string; text: string; ts: string; threadTs?: string; eventId: string; team?: string; extra?: Record<string, unknown> },
  sign?: Parameters<typeof signed>[1],
): SignedRequest {
  return signed(
    {
      json: {
        token: 'legacy-token',
        team_id: o.team ?? FAKE_BOT.teamId,
        api_app_id: 'A0TEST01',
        type: 'event_callback',
        event_id: o.eventId,
        event_time: Math.floor(Number(o.ts)),
        authorizations: [{ team_id: o.team ?? FAKE_BOT.teamId, user_id: FAKE_BOT.userId, is_bot: true }],
        event: {
          type: 'message',
          channel: o.channel,
          channel_type: 'channel',
          user: o.user ?? 'UPERSON01',
          text: o.text,
          ts: o.ts,
          ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
          ...o.extra,
        },
      },
    },
    sign,
  );
}
