import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Jira Cloud, ServiceNow, Zendesk and a generic callback receiver as one real HTTP server on
 * 127.0.0.1, with the endpoints the bridge writes comments through. It checks credentials, stores
 * comments per ticket, records every request, and can be told to fail the next requests.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  body: unknown;
}

export interface StoredComment {
  id: string;
  text: string;
  /** Jira's ADF document, ServiceNow's journal field, Zendesk's public flag, the generic body. */
  detail: unknown;
}

export interface Fault {
  status: number;
  retryAfter?: string;
  /** Apply the fault after the tool has stored the comment (the answer is lost, the effect is not). */
  afterEffect?: boolean;
}

export interface FakeItsm {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Comments stored per `tool:ticket` (`jira:OPS-42`, `servicenow:<sys_id>`, `zendesk:5158`, `generic:<ticketId>`). */
  comments(tool: string, ticket: string): StoredComment[];
  /** The next `count` comment writes fail like this. */
  failNext(fault: Fault, count?: number): void;
  close(): Promise<void>;
}

/** Where the generic connector finds each part of the AcmeDesk fixtures (test/fixtures/itsm/generic-*.json). */
export const DESK_FIELD_PATHS = {
  event: 'action',
  eventId: 'event_uid',
  ticketId: 'data.ticket.display_id',
  title: 'data.ticket.subject',
  description: 'data.ticket.description_text',
  priority: 'data.ticket.priority_name',
  createdAt: 'data.ticket.created_at',
  commentId: 'data.note.id',
  commentText: 'data.note.body_text',
  commentAuthor: 'data.note.user.name',
  commentAt: 'data.note.created_at',
};

export const FAKE_CREDENTIALS = {
  jira: { email: 'bridge@acme.example', apiToken: 'jira-api-token-123' },
  servicenow: { username: 'bridge.integration', password: 'sn-password-456' },
  zendesk: { email: 'bridge@acme.example', apiToken: 'zd-api-token-789' },
} as const;

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

export async function startFakeItsm(): Promise<FakeItsm> {
  const requests: RecordedRequest[] = [];
  const store = new Map<string, StoredComment[]>();
  const faults: Fault[] = [];
  let nextId = 70000;

  const add = (key: string, text: string, detail: unknown): StoredComment => {
    const comment = { id: String(nextId++), text, detail };
    store.set(key, [...(store.get(key) ?? []), comment]);
    return comment;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, raw, body });
      route(req.method ?? '', url, req.headers, body, res);
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  /** Writes go through here: a queued fault answers instead (before or after the effect). */
  function write(res: ServerResponse, effect: () => unknown, status = 200) {
    const fault = faults.shift();
    if (fault && !fault.afterEffect)
      return send(res, fault.status, { errorMessages: ['injected fault'] }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    const answer = effect();
    if (fault) return send(res, fault.status, { errorMessages: ['injected fault'] }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    return send(res, status, answer);
  }

  function route(method: string, url: URL, headers: IncomingMessage['headers'], body: unknown, res: ServerResponse) {
    const auth = headers.authorization;
    let m: RegExpMatchArray | null;
    if ((m = url.pathname.match(/^\/rest\/api\/3\/issue\/([^/]+)\/comment$/))) {
      if (auth !== basic(FAKE_CREDENTIALS.jira.email, FAKE_CREDENTIALS.jira.apiToken)) return send(res, 401, { errorMessages: ['unauthorized'] });
      const key = `jira:${decodeURIComponent(m[1]!)}`;
      if (method === 'GET') {
        const comments = (store.get(key) ?? []).map((c) => ({ id: c.id, body: c.detail }));
        return send(res, 200, { startAt: 0, maxResults: 100, total: comments.length, comments: comments.reverse() });
      }
      const doc = (body as { body?: unknown })?.body;
      if (!doc || typeof doc !== 'object') return send(res, 400, { errorMessages: ['Comment body can not be empty!'] });
      return write(
        res,
        () => {
          const c = add(key, adfText(doc), doc);
          return { id: c.id, self: `${url.origin}/rest/api/3/issue/${m![1]}/comment/${c.id}`, body: doc };
        },
        201,
      );
    }
    if ((m = url.pathname.match(/^\/api\/now\/table\/sys_journal_field$/)) && method === 'GET') {
      if (auth !== basic(FAKE_CREDENTIALS.servicenow.username, FAKE_CREDENTIALS.servicenow.password))
        return send(res, 401, { error: { message: 'User Not Authenticated' } });
      const query = url.searchParams.get('sysparm_query') ?? '';
      const sysId = /element_id=([^^]+)/.exec(query)?.[1] ?? '';
      const like = /valueLIKE(.+)$/.exec(query)?.[1] ?? '';
      const found = (store.get(`servicenow:${sysId}`) ?? []).filter((c) => c.text.includes(like));
      return send(res, 200, { result: found.map((c) => ({ sys_id: c.id })) });
    }
    if ((m = url.pathname.match(/^\/api\/now\/table\/([a-z0-9_]+)\/([^/]+)$/)) && method === 'PATCH') {
      if (auth !== basic(FAKE_CREDENTIALS.servicenow.username, FAKE_CREDENTIALS.servicenow.password))
        return send(res, 401, { error: { message: 'User Not Authenticated' } });
      const fields = (body ?? {}) as Record<string, unknown>;
      const element = typeof fields.work_notes === 'string' ? 'work_notes' : typeof fields.comments === 'string' ? 'comments' : undefined;
      if (!element) return send(res, 400, { error: { message: 'no journal field' } });
      return write(res, () => {
        add(`servicenow:${m![2]}`, String(fields[element]), { element, table: m![1] });
        return { result: { sys_id: m![2] } };
      });
    }
    if ((m = url.pathname.match(/^\/api\/v2\/tickets\/([^/]+)\/comments\.json$/)) && method === 'GET') {
      if (auth !== basic(`${FAKE_CREDENTIALS.zendesk.email}/token`, FAKE_CREDENTIALS.zendesk.apiToken))
        return send(res, 401, { error: "Couldn't authenticate you" });
      const comments = (store.get(`zendesk:${m[1]}`) ?? []).map((c) => ({ id: Number(c.id), body: c.text, public: (c.detail as { public: boolean }).public }));
      return send(res, 200, { comments: comments.reverse(), next_page: null, count: comments.length });
    }
    if ((m = url.pathname.match(/^\/api\/v2\/tickets\/([^/]+)\.json$/)) && method === 'PUT') {
      if (auth !== basic(`${FAKE_CREDENTIALS.zendesk.email}/token`, FAKE_CREDENTIALS.zendesk.apiToken))
        return send(res, 401, { error: "Couldn't authenticate you" });
      const comment = (body as { ticket?: { comment?: { body?: unknown; public?: unknown } } })?.ticket?.comment;
      if (typeof comment?.body !== 'string') return send(res, 422, { error: 'RecordInvalid' });
      return write(res, () => {
        const c = add(`zendesk:${m![1]}`, comment.body as string, { public: comment.public === true });
        return {
          ticket: { id: Number(m![1]) },
          audit: { id: nextId++, events: [{ id: Number(c.id), type: 'Comment', body: c.text, public: comment.public === true }] },
        };
      });
    }
    if (url.pathname === '/callback' && method === 'POST') {
      const b = (body ?? {}) as { ticketId?: string; text?: string };
      return write(res, () => {
        const c = add(`generic:${b.ticketId}`, String(b.text), body);
        return { id: `cb-${c.id}` };
      });
    }
    send(res, 404, { error: `no route ${method} ${url.pathname}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    comments: (tool, ticket) => store.get(`${tool}:${ticket}`) ?? [],
    failNext: (fault, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText).join('');
  return n.type === 'paragraph' ? `${inner}\n\n` : inner;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/itsm/', import.meta.url));

/** A payload from test/fixtures/itsm (shaped like each tool's documented webhooks), as a fresh object. */
export function fixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as T;
}
