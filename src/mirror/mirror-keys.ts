import { createHash } from 'node:crypto';

/**
 * Redis keys of reply mirroring, all under `<p>:mirror:` (`<p>` = REDIS_PREFIX). BullMQ keeps its
 * own queues (`mirror-scan`, `mirror-fetch`, `deliveries`) under `<p>:q:`.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:mirror:c:<caseId>` | hash | the cursor of one tracked case: `initAt` and `since` (ms; older messages are history), `status` and `modified` last seen, `lastId`/`lastAt` (latest message), `closedChecks`, `changedAt` (ms), `stale` |
 * | `<p>:mirror:seen:<caseId>` | set | ids of the case's messages already handled (delivered, skipped as own, or history): the cursor proper, robust to equal times and late-dated messages |
 * | `<p>:mirror:watermark` | string | newest `lastModifiedDate` of the last complete recent-first scan |
 * | `<p>:mirror:due` | sorted set | per-case polling: case id → when it is next due (ms) |
 * | `<p>:mirror:per-case` | string | set while "auto" has fallen back to per-case polling (expires: the sort is tried again) |
 * | `<p>:mirror:scan-lock` | string | one scan at a time across processes |
 * | `<p>:mirror:done:<delivery job id>` | string | this delivery reached its conversation (expires after a week) |
 * | `<p>:mirror:link-lock:<hash of link id>` | string | a delivery to this conversation is under way (PX 60 s) |
 */
export function mirrorKeys(prefix: string) {
  const p = `${prefix}:mirror`;
  return {
    cursor: (caseId: string) => `${p}:c:${caseId}`,
    seen: (caseId: string) => `${p}:seen:${caseId}`,
    watermark: `${p}:watermark`,
    due: `${p}:due`,
    perCase: `${p}:per-case`,
    scanLock: `${p}:scan-lock`,
    done: (jobId: string) => `${p}:done:${jobId}`,
    linkLock: (linkHash: string) => `${p}:link-lock:${linkHash}`,
  };
}

export type MirrorKeys = ReturnType<typeof mirrorKeys>;

/** BullMQ refuses ':' in custom job ids, and link ids are full of them: ids are hashes. */
export function hashId(kind: string, ...parts: string[]): string {
  return `${kind}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}
