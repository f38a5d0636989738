// Read routes of API V2: lists with paging, sort and filter, single resources wrapped in { data }.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireScope } from '../api-guard.js';
import type { SandboxContext } from '../sandbox-context.js';
import { listEnvelope, parseListQuery } from '../list-query.js';
import { SCOPES } from '../options.js';
import { notFound } from '../problem.js';
import type { Account, ApiClientView, Case, CaseMessage, Invoice, InvoiceLine, Service, Site } from '../types.js';

type Params = Record<string, string>;
type Fields<T> = readonly (keyof T & string)[];

const ACCOUNT_FIELDS: Fields<Account> = ['accountId', 'name', 'legalName'];
const SITE_FIELDS: Fields<Site> = ['siteId', 'accountId', 'name', 'city', 'country'];
const SERVICE_FIELDS: Fields<Service> = ['serviceId', 'accountId', 'siteId', 'serviceName', 'status', 'plannedDeliveryDate', 'readyForServiceDate'];
const CASE_FIELDS: Fields<Case> = [
  'caseId',
  'accountId',
  'subject',
  'type',
  'priority',
  'status',
  'serviceId',
  'siteId',
  'customerReference',
  'origin',
  'startOfIncident',
  'description',
  'createdDate',
  'lastModifiedDate',
];
const MESSAGE_FIELDS: Fields<CaseMessage> = ['caseMessageId', 'message', 'type', 'sentBy', 'timestamp'];
const INVOICE_FIELDS: Fields<Invoice> = ['invoiceId', 'accountId', 'invoiceDate', 'dueDate', 'currency', 'totalAmount', 'status'];
const LINE_FIELDS: Fields<InvoiceLine> = [
  'invoiceLineId',
  'invoiceId',
  'serviceId',
  'description',
  'quantity',
  'unitPrice',
  'amount',
  'periodStart',
  'periodEnd',
];
const CLIENT_FIELDS: Fields<ApiClientView> = ['apiClientId', 'name', 'scopes'];

const BASIC = requireScope(SCOPES.basicRead);
const SUPPORT = requireScope(SCOPES.supportRead, SCOPES.supportReadWrite);
const BILLING = requireScope(SCOPES.billingRead);

function listRoute<T extends object>(
  app: FastifyInstance,
  path: string,
  scope: ReturnType<typeof requireScope>,
  fields: Fields<T>,
  items: (params: Params) => readonly T[],
): void {
  app.get(path, { onRequest: scope }, async (request: FastifyRequest) => {
    const rows = items(request.params as Params);
    const query = parseListQuery(request.query as Record<string, unknown>, fields);
    const base = `${request.protocol}://${request.host}${request.url.split('?', 1)[0] ?? ''}`;
    return listEnvelope(rows, query, base);
  });
}

function getRoute<T>(app: FastifyInstance, path: string, scope: ReturnType<typeof requireScope>, find: (params: Params) => T): void {
  app.get(path, { onRequest: scope }, async (request) => ({ data: find(request.params as Params) }));
}

function found<T>(value: T | undefined, what: string, id: string | undefined): T {
  if (value === undefined) throw notFound(`No ${what} '${id ?? ''}' exists`);
  return value;
}

export const resourceRoutes: FastifyPluginAsync<{ ctx: SandboxContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  const account = (p: Params): Account => found(store.accountById.get(p.accountId ?? ''), 'account', p.accountId);
  const site = (p: Params): Site => found(store.siteById.get(p.siteId ?? ''), 'site', p.siteId);
  const service = (p: Params): Service => found(store.serviceById.get(p.serviceId ?? ''), 'service', p.serviceId);
  const kase = (p: Params): Case => found(store.getCase(p.caseId ?? ''), 'case', p.caseId);
  const invoice = (p: Params): Invoice => found(store.invoiceById.get(p.invoiceId ?? ''), 'invoice', p.invoiceId);
  const clients = (): ApiClientView[] => ctx.options.clients.map((c) => ({ apiClientId: c.clientId, name: c.name, scopes: [...c.scopes] }));

  listRoute(app, '/v2/api-clients', BASIC, CLIENT_FIELDS, clients);
  getRoute(app, '/v2/api-clients/:apiClientId', BASIC, (p) =>
    found(
      clients().find((c) => c.apiClientId === p.apiClientId),
      'API client',
      p.apiClientId,
    ),
  );

  listRoute(app, '/v2/accounts', BASIC, ACCOUNT_FIELDS, () => store.accounts);
  getRoute(app, '/v2/accounts/:accountId', BASIC, account);
  listRoute(app, '/v2/accounts/:accountId/sites', BASIC, SITE_FIELDS, (p) => {
    const { accountId } = account(p);
    return store.sites.filter((s) => s.accountId === accountId);
  });
  listRoute(app, '/v2/accounts/:accountId/services', BASIC, SERVICE_FIELDS, (p) => {
    const { accountId } = account(p);
    return store.services.filter((s) => s.accountId === accountId);
  });

  listRoute(app, '/v2/sites', BASIC, SITE_FIELDS, () => store.sites);
  getRoute(app, '/v2/sites/:siteId', BASIC, site);
  listRoute(app, '/v2/sites/:siteId/services', BASIC, SERVICE_FIELDS, (p) => {
    const { siteId } = site(p);
    return store.services.filter((s) => s.siteId === siteId);
  });

  listRoute(app, '/v2/services', BASIC, SERVICE_FIELDS, () => store.services);
  getRoute(app, '/v2/services/:serviceId', BASIC, service);

  listRoute(app, '/v2/cases', SUPPORT, CASE_FIELDS, () => store.cases);
  getRoute(app, '/v2/cases/:caseId', SUPPORT, kase);
  listRoute(app, '/v2/cases/:caseId/case-messages', SUPPORT, MESSAGE_FIELDS, (p) => found(store.messagesOf(kase(p).caseId), 'case', p.caseId));

  listRoute(app, '/v2/invoices', BILLING, INVOICE_FIELDS, () => store.invoices);
  getRoute(app, '/v2/invoices/:invoiceId', BILLING, invoice);
  listRoute(app, '/v2/invoices/:invoiceId/invoice-line-details', BILLING, LINE_FIELDS, (p) => {
    const { invoiceId } = invoice(p);
    return store.invoiceLines.filter((l) => l.invoiceId === invoiceId);
  });
};
