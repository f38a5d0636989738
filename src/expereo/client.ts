import type { Redis } from 'ioredis';
import type { Agent, Dispatcher } from 'undici';
import type { z } from 'zod';
import { gcraParams } from '../budget/gcra.js';
import { BudgetWaitError, RedisBudget, type Slot } from '../budget/redis-budget.js';
import type { BudgetSpec } from '../config/config.js';
import type { StateKeys } from '../state/state-keys.js';
import { ExpereoApiError, errorFromResponse } from './api-error.js';
import { listQuery, nextPageUrl, type ListParams, type Page } from './pages.js';
import { TokenProvider } from './token-provider.js';
import { createAgent, send, SlotMissedError } from './transport.js';
import * as v2 from './v2-contract.js';

export interface ExpereoClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  readBudget: BudgetSpec;
  writeBudget: BudgetSpec;
  budgetMargin: number;
  /** Time allowed for a call to leave late and travel (gcra.ts); none when unset. */
  budgetAllowanceMs?: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  redis: Redis;
  keys: StateKeys;
  /** Longest a read waits for its budget slot unless the call says otherwise. */
  readWaitMs?: number;
  /** Longest a write waits for its budget slot unless the call says otherwise. */
  writeWaitMs?: number;
  /** Told of every upstream answer (metrics). */
  onResponse?: (event: { method: string; kind: 'read' | 'write'; status: number | 'error'; ms: number }) => void;
  /** Told of every token request (metrics). */
  onTokenFetch?: (result: 'ok' | 'failed') => void;
  /** Told of every call that could not leave within its slot and booked again (metrics). */
  onSlotMissed?: (event: { method: string; kind: 'read' | 'write'; lateMs: number }) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  maxWaitMs?: number;
  /** Burst headroom this call leaves to others (background pollers leave room for people). */
  holdBackUs?: number;
  /** Book the budget slot no further ahead than this (lower-priority writes). */
  maxAheadMs?: number;
}

type Kind = 'read' | 'write';

/**
 * expereoOne API V2. Every call takes a slot from the shared Redis budget before it is sent, so the
 * bridge waits instead of collecting 429s, and leaves within its slot: it has its token before it
 * books, and a call that could not be on the wire in time (a slow connection, a busy process) is
 * not sent but books again. A 401 drops the token that was used, refreshes once and retries once;
 * nothing else is retried here (the write queue decides about writes).
 */
export class ExpereoClient {
  readonly tokens: TokenProvider;
  readonly readBudget: RedisBudget;
  readonly writeBudget: RedisBudget;
  private readonly agent: Agent;
  private closed = false;
  /** Calls of this process that missed their slot and booked again. */
  slotsMissed = 0;

  constructor(private readonly o: ExpereoClientOptions) {
    this.agent = createAgent(o);
    this.tokens = new TokenProvider({
      redis: o.redis,
      tokenKey: o.keys.token(o.clientId),
      lockKey: o.keys.tokenLock(o.clientId),
      tokenUrl: o.tokenUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      scopes: o.scopes,
      dispatcher: this.agent,
      onFetch: o.onTokenFetch,
    });
    const allowance = o.budgetAllowanceMs ?? 0;
    this.readBudget = new RedisBudget(o.redis, o.keys.budget(o.clientId, 'read'), gcraParams(o.readBudget, o.budgetMargin, allowance), 'read');
    this.writeBudget = new RedisBudget(o.redis, o.keys.budget(o.clientId, 'write'), gcraParams(o.writeBudget, o.budgetMargin, allowance), 'write');
  }

  get baseUrl(): string {
    return this.o.baseUrl;
  }

  /** The API client id: budgets and the token are shared by every process using it. */
  get clientId(): string {
    return this.o.clientId;
  }

  // ---- generic reads -------------------------------------------------------------------------

  async getOne<S extends z.ZodType>(path: string, schema: S, opts?: CallOptions): Promise<z.infer<S>> {
    const body = await this.call('GET', this.url(path), undefined, 'read', opts);
    return parse(schema, v2.unwrapSingle(body), path);
  }

  /** One page; `pageUrl` (a previous page's `next`) wins over `params`. */
  async page<S extends z.ZodType>(path: string, schema: S, params?: ListParams, pageUrl?: string, opts?: CallOptions): Promise<Page<z.infer<S>>> {
    const url = pageUrl ?? this.url(path, listQuery(params));
    const body = parse(v2.listEnvelopeSchema, await this.call('GET', url, undefined, 'read', opts), path);
    return {
      items: body.data.map((item) => parse(schema, item, path)),
      total: body.metadata?.total ?? null,
      hasMore: body.metadata?.hasMore ?? Boolean(body.links?.next),
      next: nextPageUrl(body.links?.next, this.o.baseUrl),
    };
  }

  /** Every item of a list, page after page, following `links.next` as the server gives it. */
  async *list<S extends z.ZodType>(path: string, schema: S, params?: ListParams, opts?: CallOptions): AsyncGenerator<z.infer<S>> {
    let next: string | undefined;
    let first = true;
    while (first || next) {
      const page: Page<z.infer<S>> = await this.page(path, schema, params, next, opts);
      first = false;
      yield* page.items;
      next = page.next;
    }
  }

  // ---- resources -----------------------------------------------------------------------------

  apiClients = (p?: ListParams, o?: CallOptions) => this.list('/v2/api-clients', v2.apiClientSchema, p, o);
  apiClient = (id: string, o?: CallOptions) => this.getOne(`/v2/api-clients/${seg(id)}`, v2.apiClientSchema, o);
  accounts = (p?: ListParams, o?: CallOptions) => this.list('/v2/accounts', v2.accountSchema, p, o);
  account = (id: string, o?: CallOptions) => this.getOne(`/v2/accounts/${seg(id)}`, v2.accountSchema, o);
  accountSites = (id: string, p?: ListParams, o?: CallOptions) => this.list(`/v2/accounts/${seg(id)}/sites`, v2.siteSchema, p, o);
  accountServices = (id: string, p?: ListParams, o?: CallOptions) => this.list(`/v2/accounts/${seg(id)}/services`, v2.serviceSchema, p, o);
  sites = (p?: ListParams, o?: CallOptions) => this.list('/v2/sites', v2.siteSchema, p, o);
  site = (id: string, o?: CallOptions) => this.getOne(`/v2/sites/${seg(id)}`, v2.siteSchema, o);
  siteServices = (id: string, p?: ListParams, o?: CallOptions) => this.list(`/v2/sites/${seg(id)}/services`, v2.serviceSchema, p, o);
  services = (p?: ListParams, o?: CallOptions) => this.list('/v2/services', v2.serviceSchema, p, o);
  service = (id: string, o?: CallOptions) => this.getOne(`/v2/services/${seg(id)}`, v2.serviceSchema, o);
  cases = (p?: ListParams, o?: CallOptions) => this.list('/v2/cases', v2.caseSchema, p, o);
  casesPage = (p?: ListParams, pageUrl?: string, o?: CallOptions) => this.page('/v2/cases', v2.caseSchema, p, pageUrl, o);
  getCase = (id: string, o?: CallOptions) => this.getOne(`/v2/cases/${seg(id)}`, v2.caseSchema, o);
  caseMessages = (id: string, p?: ListParams, o?: CallOptions) => this.list(`/v2/cases/${seg(id)}/case-messages`, v2.caseMessageSchema, p, o);
  invoices = (p?: ListParams, o?: CallOptions) => this.list('/v2/invoices', v2.invoiceSchema, p, o);
  invoice = (id: string, o?: CallOptions) => this.getOne(`/v2/invoices/${seg(id)}`, v2.invoiceSchema, o);
  invoiceLines = (id: string, p?: ListParams, o?: CallOptions) => this.list(`/v2/invoices/${seg(id)}/invoice-line-details`, v2.invoiceLineSchema, p, o);

  /** The case whose customerReference is `reference`, if any (how a retried create finds its first attempt). */
  async findCaseByReference(reference: string, o?: CallOptions): Promise<v2.Case | undefined> {
    const page = await this.casesPage({ filter: { customerReference: reference }, limit: 5 }, undefined, o);
    return page.items.find((c) => c.customerReference === reference);
  }

  // ---- writes --------------------------------------------------------------------------------

  async createCase(body: v2.CreateCaseBody, o?: CallOptions): Promise<v2.Case> {
    const res = await this.call('POST', this.url('/v2/cases'), valid(v2.createCaseBodySchema, body), 'write', o);
    return parse(v2.caseSchema, v2.unwrapSingle(res), 'POST /v2/cases');
  }

  async updateCase(caseId: string, body: v2.UpdateCaseBody, o?: CallOptions): Promise<v2.Case | undefined> {
    const res = await this.call('PATCH', this.url(`/v2/cases/${seg(caseId)}`), valid(v2.updateCaseBodySchema, body), 'write', o);
    // 204 No Content is a valid answer to a PATCH.
    return res === undefined ? undefined : parse(v2.caseSchema, v2.unwrapSingle(res), 'PATCH /v2/cases/{id}');
  }

  async addCaseMessage(caseId: string, body: v2.AddMessageBody, o?: CallOptions): Promise<v2.CaseMessage | undefined> {
    const res = await this.call('POST', this.url(`/v2/cases/${seg(caseId)}/case-messages`), valid(v2.addMessageBodySchema, body), 'write', o);
    return res === undefined ? undefined : parse(v2.caseMessageSchema, v2.unwrapSingle(res), 'POST /v2/cases/{id}/case-messages');
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private url(path: string, query?: URLSearchParams): string {
    const qs = query?.toString();
    return `${this.o.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private async call(method: Dispatcher.HttpMethod, url: string, body: unknown, kind: Kind, opts: CallOptions = {}): Promise<unknown> {
    const budget = kind === 'read' ? this.readBudget : this.writeBudget;
    const maxWaitMs = opts.maxWaitMs ?? (kind === 'read' ? (this.o.readWaitMs ?? 60_000) : (this.o.writeWaitMs ?? 300_000));
    const waitUntil = Date.now() + Math.max(0, maxWaitMs);
    let refreshed = false;
    for (;;) {
      if (this.closed) throw new ExpereoApiError({ code: 'client_closed', message: 'the expereo client is closed' });
      // The token before the slot: fetching it (a cold start, a refresh) must not make the call late.
      await this.tokens.get(opts.signal);
      const slot = await budget.acquire({
        maxWaitMs: Math.max(0, waitUntil - Date.now()),
        signal: opts.signal,
        holdBackUs: opts.holdBackUs,
        maxAheadMs: opts.maxAheadMs,
      });
      const token = this.tokens.current();
      if (token === undefined || performance.now() > slot.sendBy) {
        await this.missed(slot, kind, method, performance.now() - slot.sendBy, waitUntil, budget.name);
        continue;
      }
      const started = performance.now();
      let res;
      try {
        res = await send(this.agent, {
          method,
          url,
          signal: opts.signal,
          sendBy: slot.sendBy,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        if (err instanceof SlotMissedError) {
          await this.missed(slot, kind, method, err.lateMs, waitUntil, budget.name);
          continue;
        }
        this.o.onResponse?.({ method, kind, status: 'error', ms: performance.now() - started });
        throw err;
      }
      this.o.onResponse?.({ method, kind, status: res.status, ms: performance.now() - started });
      if (res.status === 401 && !refreshed) {
        // Expired or revoked: drop exactly the token we used (a newer one may already be cached).
        refreshed = true;
        await this.tokens.invalidate(token);
        continue;
      }
      if (res.status < 200 || res.status >= 300) throw errorFromResponse(res.status, res.headers, res.text);
      if (res.status === 204 || res.text.trim() === '') return undefined;
      try {
        return JSON.parse(res.text);
      } catch {
        throw new ExpereoApiError({ code: 'bad_response', status: res.status, message: `${method} answered ${res.status} with a body that is not JSON` });
      }
    }
  }

  /**
   * A call that could not leave within its slot was not sent: the slot goes back (a later one
   * cannot take its place in the window otherwise) and the call books again, within its wait.
   */
  private async missed(slot: Slot, kind: Kind, method: string, lateMs: number, waitUntil: number, budget: string): Promise<void> {
    this.slotsMissed++;
    this.o.onSlotMissed?.({ kind, method, lateMs });
    await slot.giveBack();
    if (Date.now() >= waitUntil) throw new BudgetWaitError(budget, 0);
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.close();
  }
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ExpereoApiError({
      code: 'bad_response',
      message: `${where}: unexpected answer: ${result.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')
        .slice(0, 300)}`,
    });
  }
  return result.data;
}

/** A write body that V2 would refuse is refused here, before it costs a write slot. */
function valid<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ExpereoApiError({
      code: 'invalid_request',
      message: 'the write does not satisfy the V2 contract',
      fieldErrors: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}
