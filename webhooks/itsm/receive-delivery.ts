import { BridgeError } from '../../src/errors.js';
import { deliveryIdOf, parseTicketEvent, verifyBodyTime, verifySignature } from '../../src/itsm/inbound.js';
import type { ItsmState } from '../../src/itsm/itsm-state.js';
import { planWrites } from '../../src/itsm/mapping.js';
import type { ConnectorConfig } from '../../src/itsm/routing-schema.js';
import { ticketRef, type Issue, type TicketEvent } from '../../src/itsm/ticket-event.js';
import type { Headers } from '../../src/http/signatures.js';
import type { SyncState } from '../../src/state/sync-state.js';
import type { CaseRef } from '../../src/writes/catalog.js';
import type { Outbox } from '../../src/writes/outbox.js';
import type { WriteProducer } from '../../src/writes/producer.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../src/http/json-body.js';

/**
 * One inbound ITSM delivery, end to end: verify the sender, parse, drop repeats and the bridge's own
 * comments, map to case writes, enqueue, answer. Every answer is 202 once the writes are durably
 * queued (or there is nothing to do); failures are BridgeErrors the HTTP error handler maps.
 */
export interface ReceiveDeps {
  state: ItsmState;
  producer: Pick<WriteProducer, 'enqueue'>;
  outbox: Pick<Outbox, 'entry' | 'caseIdForKey'>;
  sync: Pick<SyncState, 'caseForLink'>;
  deliveryTtlSeconds: number;
  now: () => number;
  log: { info(obj: object, msg: string): void };
}

export interface Answer {
  status: 'queued' | 'duplicate' | 'ignored';
  connector: string;
  deliveryId: string;
  ticketId?: string;
  reason?: string;
  writes?: { key: string; kind: string; status: string; caseId?: string }[];
}

export class InvalidDeliveryError extends BridgeError {
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super('invalid_request', message);
  }
}

export async function receiveDelivery(deps: ReceiveDeps, name: string, connector: ConnectorConfig, rawBody: Buffer, headers: Headers): Promise<Answer> {
  const nowMs = deps.now();
  const signed = verifySignature(connector, rawBody, headers, nowMs);
  if (!signed.ok) throw new BridgeError('unauthorized', `delivery refused: ${signed.reason.replace(/_/g, ' ')}`);

  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidDeliveryError('the body is not valid JSON', [{ path: '(body)', message: 'not valid JSON' }]);
  }
  if (jsonDepth(payload, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new InvalidDeliveryError(`the body nests deeper than ${MAX_JSON_DEPTH} levels`, [{ path: '(body)', message: 'nested too deeply' }]);
  }
  const fresh = verifyBodyTime(connector, payload, nowMs);
  if (!fresh.ok) throw new BridgeError('unauthorized', `delivery refused: ${fresh.reason.replace(/_/g, ' ')}`);

  const deliveryId = deliveryIdOf(connector, headers, payload, rawBody);
  const parsed = parseTicketEvent(connector, payload);
  if (parsed.kind === 'invalid') throw new InvalidDeliveryError(`not a valid ${connector.tool} delivery: ${summary(parsed.issues)}`, parsed.issues);
  const base = { connector: name, deliveryId };
  if (parsed.kind === 'ignored') return { ...base, status: 'ignored', reason: parsed.reason };
  const event = parsed.event;

  return redisStep(async () => {
    if (await deps.state.deliverySeen(name, deliveryId)) return { ...base, ticketId: event.ticketId, status: 'duplicate' };
    if (event.comment && (await deps.state.isEcho(name, event.ticketId, event.comment))) {
      delete event.comment;
      if (event.action === 'commented') return { ...base, ticketId: event.ticketId, status: 'ignored', reason: 'the comment was written by the bridge' };
    }
    const caseRef = event.action === 'created' ? undefined : await caseRefOf(deps, name, event);
    const plan = planWrites({ connectorName: name, connector, event, caseRef, deliveryId, now: new Date(nowMs) });
    if (plan.kind === 'invalid') throw new InvalidDeliveryError(`the ticket cannot become a case: ${summary(plan.issues)}`, plan.issues);
    if (plan.kind === 'ignored') return { ...base, ticketId: event.ticketId, status: 'ignored', reason: plan.reason };

    const writes: NonNullable<Answer['writes']> = [];
    for (const write of plan.writes) {
      const res = await deps.producer.enqueue(write);
      writes.push({ key: res.key, kind: write.kind, status: res.status, ...(res.caseId ? { caseId: res.caseId } : {}) });
    }
    // Only now: had the enqueue failed, the tool's retry of this delivery must still take effect.
    await deps.state.rememberDelivery(name, deliveryId, deps.deliveryTtlSeconds);
    deps.log.info({ connector: name, deliveryId, ticketId: event.ticketId, action: event.action, writes }, 'itsm delivery queued');
    return { ...base, ticketId: event.ticketId, status: 'queued', writes, ...(plan.skipped.length ? { reason: plan.skipped.join('; ') } : {}) };
  });
}

/**
 * The case a ticket event goes to: the bridge's own create (queued or done; the pipeline waits for
 * it), else a case the ticket was linked to by hand. Undefined: the ticket has no case.
 */
async function caseRefOf(deps: ReceiveDeps, name: string, event: TicketEvent): Promise<CaseRef | undefined> {
  const ref = ticketRef(name, event.ticketId);
  if ((await deps.outbox.entry(ref)) || (await deps.outbox.caseIdForKey(ref))) return { createKey: ref };
  const linked = await deps.sync.caseForLink(ref);
  return linked ? { caseId: linked } : undefined;
}

/**
 * Redis trouble while handling a delivery, or Redis not answering within the deadline, means: not
 * queued, come back later (503, which Jira retries for a while). Steps the deadline cut short may
 * still finish; the retry then finds its delivery remembered or its writes queued, a duplicate.
 */
async function redisStep<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await withinDeadline(fn);
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('queue_unavailable', 'the bridge cannot reach its queue', { cause: err });
  }
}

function summary(issues: Issue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
