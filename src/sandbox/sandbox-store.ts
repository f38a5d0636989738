// In-memory state of one sandbox: the read-only inventory and the mutable cases with their messages.
import { parseIsoDateTime, type CasePatch, type Lookups, type NewCaseInput } from './case-rules.js';
import { seedCases, type SeededCase } from './seed-cases.js';
import { ACCOUNTS, INVOICE_LINES, INVOICES, SERVICES, SITES } from './seed-data.js';
import { generateCases } from './seed-generator.js';
import type { Account, Case, CaseMessage, Invoice, InvoiceLine, Service, Site } from './types.js';

export interface NewMessage {
  message: string;
  type: CaseMessage['type'];
  sentBy: string;
}

const byId = <T, K extends keyof T>(items: readonly T[], key: K): Map<T[K], T> => new Map(items.map((i) => [i[key], i]));

export class SandboxStore implements Lookups {
  readonly accounts: readonly Account[] = ACCOUNTS;
  readonly sites: readonly Site[] = SITES;
  readonly services: readonly Service[] = SERVICES;
  readonly invoices: readonly Invoice[] = INVOICES;
  readonly invoiceLines: readonly InvoiceLine[] = INVOICE_LINES;
  readonly accountById = byId(ACCOUNTS, 'accountId');
  readonly siteById = byId(SITES, 'siteId');
  readonly serviceById = byId(SERVICES, 'serviceId');
  readonly invoiceById = byId(INVOICES, 'invoiceId');

  private readonly caseList: Case[] = [];
  private readonly caseById = new Map<string, Case>();
  private readonly messages = new Map<string, CaseMessage[]>();
  private nextCaseNo = 1001;
  private nextMessageNo = 1;
  private messageCount = 0;
  private lastStamp = 0;

  constructor(extraCases: number, seed: number) {
    for (const seeded of [...seedCases(), ...generateCases(extraCases, seed)]) this.insert(seeded);
  }

  get cases(): readonly Case[] {
    return this.caseList;
  }

  getCase(caseId: string): Case | undefined {
    return this.caseById.get(caseId);
  }

  messagesOf(caseId: string): readonly CaseMessage[] | undefined {
    return this.messages.get(caseId);
  }

  serviceExists(id: string): boolean {
    return this.serviceById.has(id);
  }

  siteExists(id: string): boolean {
    return this.siteById.has(id);
  }

  /** Creates a case from an input that passed checkNewCase; its description becomes the first message. */
  createCase(input: NewCaseInput, sentBy: string, now: number): Case {
    const service = this.serviceById.get(input.serviceId);
    if (service === undefined) throw new Error(`unknown service ${input.serviceId}`);
    const stamp = this.stamp(now);
    const start = input.startOfIncident == null || input.startOfIncident === '' ? null : parseIsoDateTime(input.startOfIncident);
    return this.insert({
      kase: {
        caseId: '',
        accountId: service.accountId,
        subject: input.subject,
        type: input.type,
        priority: input.priority,
        status: 'New',
        serviceId: service.serviceId,
        siteId: input.siteId ?? service.siteId,
        customerReference: input.customerReference ?? null,
        origin: input.origin ?? 'API',
        startOfIncident: start ?? null,
        description: input.description,
        createdDate: stamp,
        lastModifiedDate: stamp,
      },
      messages: [{ message: input.description, type: 'Customer', sentBy, timestamp: stamp }],
    });
  }

  patchCase(caseId: string, patch: CasePatch, now: number): Case {
    const kase = this.mustGet(caseId);
    for (const key of ['priority', 'status', 'subject', 'description', 'siteId', 'customerReference'] as const) {
      const value = patch[key];
      if (value !== undefined) (kase as unknown as Record<string, unknown>)[key] = value;
    }
    kase.lastModifiedDate = this.stamp(now);
    return kase;
  }

  setStatus(caseId: string, status: string, now: number): Case {
    return this.patchCase(caseId, { status }, now);
  }

  addMessage(caseId: string, msg: NewMessage, now: number): CaseMessage {
    const kase = this.mustGet(caseId);
    const stamp = this.stamp(now);
    const created = this.pushMessage(caseId, { ...msg, timestamp: stamp });
    kase.lastModifiedDate = stamp;
    return created;
  }

  counts(): { cases: number; messages: number } {
    return { cases: this.caseList.length, messages: this.messageCount };
  }

  private mustGet(caseId: string): Case {
    const kase = this.caseById.get(caseId);
    if (kase === undefined) throw new Error(`unknown case ${caseId}`);
    return kase;
  }

  private insert({ kase, messages }: SeededCase): Case {
    const stored: Case = { ...kase, caseId: `CS-${String(this.nextCaseNo).padStart(8, '0')}` };
    this.nextCaseNo += 1;
    this.caseList.push(stored);
    this.caseById.set(stored.caseId, stored);
    this.messages.set(stored.caseId, []);
    for (const m of messages) this.pushMessage(stored.caseId, m);
    return stored;
  }

  private pushMessage(caseId: string, m: Omit<CaseMessage, 'caseMessageId'>): CaseMessage {
    const message: CaseMessage = { caseMessageId: `CM-${String(this.nextMessageNo).padStart(8, '0')}`, ...m };
    this.nextMessageNo += 1;
    this.messageCount += 1;
    this.messages.get(caseId)?.push(message);
    return message;
  }

  /** Write times strictly increase, so every write visibly moves lastModifiedDate forward. */
  private stamp(now: number): string {
    this.lastStamp = Math.max(now, this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }
}
