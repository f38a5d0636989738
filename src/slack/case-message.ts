import type { Redis } from 'ioredis';
import { runScript } from '../redis.js';
import { caseMessageText, type CaseMessageState } from './case-message-text.js';
import { TTL_S, type SlackKeys } from './slack-keys.js';
import type { WebClient } from './web-client.js';

/**
 * The case's message in the channel (the root of its thread) is edited in place as the case moves:
 * queued → opened with its id and link (or failed) → status changes → resolved. What it shows is
 * kept in Redis next to the link (the link's thread ts is this message's ts), merged from every
 * update, so that updates arriving in any order, or twice, end with the same text:
 * - `base` fields (who asked, the summary, the case id and link) are set once;
 * - the phase only moves forward (queued, then created, failed or linked);
 * - a status only replaces an older one (by the time of the change).
 * Every change bumps `rev`; whoever edits the message checks after Slack's answer that no newer
 * change came meanwhile, and edits again if one did.
 */
export interface CaseMessageUpdate {
  base?: Partial<Pick<CaseMessageState, 'summary' | 'userId' | 'caseId' | 'url' | 'subject' | 'etaMs'>>;
  phase?: { phase: CaseMessageState['phase']; caseId?: string; reason?: string };
  status?: { status: string; closed: boolean; atMs: number };
  /** Only update a message the bridge already knows (else: undefined, nothing written). */
  onlyIfKnown?: boolean;
}

const PHASE_RANK: Record<CaseMessageState['phase'], number> = { queued: 0, created: 1, failed: 1, linked: 1 };

/** Merges ARGV into the hash KEYS[1] as described above; returns its fields, or nil when ARGV[7] asks for a known message and there is none. */
const MERGE = `
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return false end
local changed = false
for k, v in pairs(cjson.decode(ARGV[2])) do
  if redis.call('HSETNX', KEYS[1], k, v) == 1 then changed = true end
end
local rank = tonumber(ARGV[3])
if rank >= 0 and rank > tonumber(redis.call('HGET', KEYS[1], 'phaseRank') or '-1') then
  redis.call('HSET', KEYS[1], 'phaseRank', rank)
  for k, v in pairs(cjson.decode(ARGV[4])) do redis.call('HSET', KEYS[1], k, v) end
  changed = true
end
local at = tonumber(ARGV[5])
if at >= 0 and at > tonumber(redis.call('HGET', KEYS[1], 'statusAtMs') or '-1') then
  redis.call('HSET', KEYS[1], 'statusAtMs', ARGV[5])
  for k, v in pairs(cjson.decode(ARGV[6])) do redis.call('HSET', KEYS[1], k, v) end
  changed = true
end
if changed then redis.call('HINCRBY', KEYS[1], 'rev', 1) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** Edits after a newer change came in while Slack was being told: a few rounds settle any realistic race. */
const MAX_ROUNDS = 4;

export interface CaseMessageDeps {
  redis: Redis;
  keys: SlackKeys;
  web: WebClient;
}

/** Records an update of the message at `channel`/`ts` without editing it (the message was just posted with this text). */
export async function recordCaseMessage(
  d: Pick<CaseMessageDeps, 'redis' | 'keys'>,
  channel: string,
  ts: string,
  update: CaseMessageUpdate,
): Promise<CaseMessageState | undefined> {
  const defined = (o: object | undefined) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(o ?? {})
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
    );
  const { phase, ...phaseFields } = update.phase ?? { phase: undefined };
  const fields = (await runScript(
    d.redis,
    MERGE,
    1,
    d.keys.caseMessage(channel, ts),
    String(TTL_S.caseMessage),
    defined(update.base),
    String(phase ? PHASE_RANK[phase] : -1),
    defined(phase ? { phase, ...phaseFields } : undefined),
    String(update.status ? Math.max(0, Math.floor(update.status.atMs)) : -1),
    defined(update.status ? { status: update.status.status, closed: update.status.closed ? '1' : '0' } : undefined),
    update.onlyIfKnown ? '1' : '0',
  )) as string[] | null;
  return fields ? stateOf(fields) : undefined;
}

/**
 * Records the update, then edits the message to show everything known of the case. Undefined when
 * `onlyIfKnown` and the bridge has no record of that message (it did not post it as a case message).
 * Slack's errors are thrown as they are.
 */
export async function showCaseMessage(d: CaseMessageDeps, channel: string, ts: string, update: CaseMessageUpdate): Promise<CaseMessageState | undefined> {
  let state = await recordCaseMessage(d, channel, ts, update);
  for (let round = 0; state && round < MAX_ROUNDS; round++) {
    await d.web.chat.update({ channel, ts, text: caseMessageText(state) });
    const rev = Number((await d.redis.hget(d.keys.caseMessage(channel, ts), 'rev')) ?? '0');
    if (rev <= state.rev) return state;
    state = stateOf((await d.redis.hgetall(d.keys.caseMessage(channel, ts))) as Record<string, string>);
  }
  return state;
}

function stateOf(raw: string[] | Record<string, string>): CaseMessageState {
  const h: Record<string, string> = Array.isArray(raw) ? Object.fromEntries(pairs(raw)) : raw;
  const phase = (['queued', 'created', 'failed', 'linked'] as const).find((p) => p === h.phase) ?? 'queued';
  return {
    phase,
    rev: Number(h.rev ?? '0'),
    ...(h.summary ? { summary: h.summary } : {}),
    ...(h.userId ? { userId: h.userId } : {}),
    ...(h.caseId ? { caseId: h.caseId } : {}),
    ...(h.url ? { url: h.url } : {}),
    ...(h.subject ? { subject: h.subject } : {}),
    ...(h.etaMs ? { etaMs: Number(h.etaMs) } : {}),
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.status ? { status: h.status, closed: h.closed === '1' } : {}),
  };
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
