import { ExpereoApiError } from '../expereo/api-error.js';
import type { CaseMessage } from '../expereo/v2-contract.js';
import { closedStep, isClosedStatus, pollDelayMs } from './cadence.js';
import type { MirrorContext } from './mirror-context.js';
import { isBefore, sameInstant, toMs } from './instants.js';
import { jobData, jobOptions } from '../job-catalog.js';
import { deliveryJobId, type CaseInfo, type DeliveryJob, type FetchJob } from './jobs.js';
import { attributeValue, type PlannedDelivery } from './echo.js';
import { caseInfo, latestMessage, messageDelivery, splitThread, statusDelivery } from './thread.js';

export type FetchOutcome =
  | { kind: 'done'; queued: number; dropped: boolean }
  /** A write of the bridge to this case is in flight: look again shortly. */
  | { kind: 'wait'; ms: number };

/**
 * One look at one case: read what changed, queue one delivery per (linked conversation, new
 * message or status change), then move the cursor. `waitingSinceMs` is when this look first found
 * a write of the bridge in flight.
 */
export async function fetchCase(ctx: MirrorContext, job: FetchJob, signal?: AbortSignal, waitingSinceMs?: number): Promise<FetchOutcome> {
  const { caseId } = job;
  const s = ctx.settings;
  const now = ctx.now();
  const cursor = await ctx.cursors.get(caseId);
  const since = cursor.since ?? now - s.lookbackMs;
  const firstLook = cursor.status === undefined;

  // What a scan saw is outdated once another look at the case went past it: a status "change"
  // back to the older value must not be announced.
  if (job.info && isBefore(job.info.modified, cursor.modified)) return { kind: 'done', queued: 0, dropped: false };
  const info = job.info ?? (await readCase(ctx, caseId, signal));
  if (!info) return { kind: 'done', queued: 0, dropped: true };
  const status = info.status ?? '';
  const statusChanged = !firstLook && status !== cursor.status;
  const changed = firstLook || cursor.stale || !sameInstant(info.modified, cursor.modified) || statusChanged;

  let messages: CaseMessage[] = [];
  let fresh: CaseMessage[] = [];
  if (changed) {
    const modifiedMs = toMs(info.modified);
    // A case untouched since before it was linked has nothing to deliver: no read for it.
    const quietSinceLink = firstLook && modifiedMs !== undefined && modifiedMs < since;
    messages = quietSinceLink ? [] : await ctx.reads.messages(caseId, signal);
    const seen = await ctx.cursors.seenAmong(
      caseId,
      messages.map((m) => m.caseMessageId),
    );
    const split = splitThread(messages, { seen, sinceMs: since, descriptionFp: info.descriptionFp, firstLook });
    fresh = split.fresh;
    // A write of the bridge that may have landed without being recorded yet: who made what this
    // look sees is known only once it settles.
    if ((fresh.length || statusChanged) && (waitingSinceMs === undefined || now - waitingSinceMs < s.maxWriteWaitMs) && (await ctx.writeInFlight(caseId))) {
      return { kind: 'wait', ms: Math.max(250, Math.min(2000, s.activeIntervalMs)) };
    }
  }

  const closedNow = isClosedStatus(status, s.closedStatuses);
  const deliveries = await deliveriesFor(ctx, caseId, fresh, info, now);
  // The bridge's status writes: who each was for, and which are overwritten since (see echo.ts).
  const authored = await ctx.sync.authoredChanges(caseId);
  const byStatus = attributeValue(authored, 'status', status, job.info ? job.info.readAt : now);
  if (statusChanged) {
    const delivery = statusDelivery(caseId, { from: cursor.status ?? '', to: status, at: info.modified ?? new Date(now).toISOString(), closed: closedNow });
    deliveries.push({ delivery, except: byStatus.origins });
  }
  const queued = await queueDeliveries(ctx, caseId, deliveries);
  await ctx.sync.settleChanges(caseId, byStatus.forget, byStatus.seen);

  const step = closedStep(firstLook ? 0 : cursor.closedChecks, closedNow);
  const changedAt = firstLook ? (toMs(info.modified) ?? cursor.changedAt) : changed ? now : cursor.changedAt;
  const last = latestMessage(messages);
  await ctx.cursors.commit(
    caseId,
    {
      seenIds: messages.map((m) => m.caseMessageId),
      status,
      modified: info.modified ?? '',
      closedChecks: step.closedChecks,
      changedAt,
      ...(last ? { last: { id: last.caseMessageId, at: last.timestamp ?? '' } } : {}),
    },
    since,
  );
  if (step.drop) {
    await untrack(ctx, caseId);
    ctx.log.info({ caseId, status }, 'case closed: no longer mirrored');
  } else {
    const delay = closedNow ? s.activeIntervalMs : pollDelayMs(now, changedAt, s);
    await ctx.schedule.dueAt(caseId, now + delay);
  }
  return { kind: 'done', queued, dropped: step.drop };
}

async function readCase(ctx: MirrorContext, caseId: string, signal?: AbortSignal): Promise<CaseInfo | undefined> {
  try {
    return caseInfo(await ctx.reads.getCase(caseId, signal));
  } catch (err) {
    if (err instanceof ExpereoApiError && err.status === 404) {
      ctx.log.warn({ caseId }, 'linked case not found upstream: no longer mirrored');
      await untrack(ctx, caseId);
      return undefined;
    }
    throw err;
  }
}

async function untrack(ctx: MirrorContext, caseId: string): Promise<void> {
  await ctx.sync.untrack(caseId);
  await ctx.cursors.drop(caseId);
}

/**
 * New messages, each to go everywhere but the conversations it came from: an engineer's reply to
 * every linked conversation, one the bridge wrote for a conversation (recognised by id or by content
 * fingerprint) to the others, one the bridge wrote for no conversation it knows nowhere.
 */
async function deliveriesFor(ctx: MirrorContext, caseId: string, fresh: CaseMessage[], info: CaseInfo, now: number): Promise<PlannedDelivery[]> {
  const origins = await Promise.all(fresh.map((m) => ctx.sync.messageOrigins(caseId, m.caseMessageId, m.message)));
  const fallbackAt = info.modified ?? new Date(now).toISOString();
  return fresh.flatMap((m, i) => {
    const from = origins[i];
    if (from && from.length === 0) return [];
    return [{ delivery: messageDelivery(caseId, m, fallbackAt), except: from ?? [] }];
  });
}

/** Resolves once every delivery is in Redis; queueing the same delivery again has no effect. */
export async function queueDeliveries(ctx: MirrorContext, caseId: string, planned: PlannedDelivery[]): Promise<number> {
  if (planned.length === 0) return 0;
  const links = (await ctx.sync.links(caseId)).filter((l) => ctx.sinkKinds.has(l.kind));
  const jobs = links.flatMap((link) =>
    planned
      .filter(({ except }) => !except.includes(link.id))
      .map(({ delivery }) => ({
        name: delivery.kind,
        data: jobData('deliveries', delivery.kind, { caseId, linkId: link.id, delivery, deferrals: 0 } satisfies DeliveryJob),
        opts: { ...jobOptions('deliveries', delivery.kind), jobId: deliveryJobId(caseId, link.id, delivery.id) },
      })),
  );
  const echoes = planned.filter(({ except }) => links.some((l) => except.includes(l.id)));
  if (echoes.length) {
    ctx.log.debug({ caseId, deliveries: echoes.map((p) => ({ id: p.delivery.id, except: p.except })) }, 'not delivered back to the conversations it came from');
  }
  if (jobs.length) await ctx.queues.deliveries.addBulk(jobs);
  // What engineers wrote is journalled as found; the bridge's own writes relayed to the case's other conversations are its writes' story.
  ctx.journal.repliesFound(
    caseId,
    planned.filter(({ except }) => except.length === 0).map(({ delivery }) => delivery),
    links,
  );
  return jobs.length;
}
