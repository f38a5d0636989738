/**
 * Lua scripts of the write outbox. Each runs atomically in Redis and names every key it touches in
 * KEYS (built by src/writes/outbox.ts from src/state/state-keys.ts), so that they run on a Redis
 * Cluster too: the keys share the prefix's hash tag, hence one slot.
 */

/**
 * Accept one write into the slot the caller worked out (see Outbox.slotOf). KEYS: the write's
 * entry, the entry and the ref of the create it waits for (the write's own for any other write),
 * the slot's outbox, the set of slots, the pending counts. ARGV: key, request JSON, lane, slot, ref
 * type (new | caseId | createKey), now (ms). It runs in one MULTI with the slot's flush job, so a
 * write is never waiting without a flush on the way.
 * Returns:
 *   {1, slot, writes waiting in lanes up to this one}   accepted
 *   {0, status, caseId, slot}                            seen before (no second effect)
 *   {-1, reason}                                         refused
 */
export const ENQUEUE = `
local key, req, lane, slot, refType, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local ek, pending = KEYS[1], KEYS[6]
if redis.call('EXISTS', ek) == 1 then
  local st = redis.call('HMGET', ek, 'status', 'caseId', 'slot')
  return {0, st[1] or '', st[2] or '', st[3] or ''}
end
if refType == 'createKey' and redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then
  return {-1, 'unknown_create'}
end
redis.call('HSET', ek, 'req', req, 'slot', slot, 'lane', lane, 'status', 'queued', 'attempts', 0, 'acceptedAt', now)
redis.call('RPUSH', KEYS[4], key)
redis.call('SADD', KEYS[5], slot)
redis.call('HINCRBY', pending, lane, 1)
local ahead = 0
for l = 1, lane do ahead = ahead + tonumber(redis.call('HGET', pending, l) or '0') end
return {1, slot, ahead}
`;

/**
 * Record a batch as sent. KEYS: the slot's outbox, pending counts, dead letters, the set of slots,
 * the set of linked cases, then the case's slot, links, sent set, origins and changes, then for
 * each write of the batch its entry and its ref, then (for a create) the link keys of the
 * conversations it asked for. ARGV: slot, case id, op, done-TTL (ms), now, message id or '',
 * fingerprint or '', the conversations the message speaks for (JSON list) or '', the number n of
 * writes, the number c of fields changed, the number l of links, n keys, c field changes (JSON),
 * l pairs of link id and link JSON. For a create: map key → case, case → slot, and link the
 * conversations. Who a write spoke for is recorded in the same step as its being done, so that the
 * poller never sees a write done without it.
 */
export const COMPLETE = `
local slot, caseId, op, ttl, now, messageId, fingerprint = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local origins, n, changes, links = ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local outbox, pending, dead, slots, linked = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local caseSlot, caseLinks, caseSent, caseOrigins, caseChanges = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
for i = 1, n do
  local key = ARGV[11 + i]
  local ek, ref = KEYS[9 + 2 * i], KEYS[10 + 2 * i]
  local st = redis.call('HMGET', ek, 'status', 'lane')
  if st[1] == 'queued' or st[1] == 'sending' then
    redis.call('HINCRBY', pending, st[2], -1)
  end
  redis.call('LREM', outbox, 1, key)
  redis.call('HSET', ek, 'status', 'done', 'caseId', caseId, 'doneAt', now)
  redis.call('HDEL', ek, 'error')
  redis.call('PEXPIRE', ek, ttl)
  redis.call('ZREM', dead, key)
  if op == 'create' then
    redis.call('SET', ref, caseId)
    redis.call('SET', caseSlot, slot)
  end
end
for j = 1, links do
  local a = 11 + n + changes + 2 * j - 1
  redis.call('HSET', caseLinks, ARGV[a], ARGV[a + 1])
  redis.call('SET', KEYS[10 + 2 * n + j], caseId)
  redis.call('SADD', linked, caseId)
end
if messageId ~= '' then redis.call('SADD', caseSent, 'id:' .. messageId) end
if fingerprint ~= '' then redis.call('SADD', caseSent, 'fp:' .. fingerprint) end
if origins ~= '' then
  if messageId ~= '' then redis.call('HSET', caseOrigins, 'id:' .. messageId, origins) end
  if fingerprint ~= '' then redis.call('HSET', caseOrigins, 'fp:' .. fingerprint, origins) end
  redis.call('PEXPIRE', caseOrigins, ttl)
end
if changes > 0 then
  for i = 12 + n, 11 + n + changes do redis.call('RPUSH', caseChanges, ARGV[i]) end
  redis.call('LTRIM', caseChanges, -100, -1)
  redis.call('PEXPIRE', caseChanges, ttl)
end
if redis.call('LLEN', outbox) == 0 then redis.call('SREM', slots, slot) end
return 1
`;

/**
 * Dead-letter a batch. KEYS: the slot's outbox, pending counts, dead letters, the set of slots,
 * then the entries of the batch's writes. ARGV: slot, error JSON, now, keep-at-head (1 for a
 * create: the writes queued behind it wait for its replay), then the writes' keys.
 */
export const DEAD = `
local slot, err, now, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local outbox, pending, dead, slots = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
for i = 5, #KEYS do
  local key = ARGV[i]
  local ek = KEYS[i]
  local st = redis.call('HMGET', ek, 'status', 'lane')
  if st[1] == 'queued' or st[1] == 'sending' then
    redis.call('HINCRBY', pending, st[2], -1)
  end
  redis.call('HSET', ek, 'status', 'dead', 'error', err, 'deadAt', now)
  redis.call('ZADD', dead, now, key)
  if keep ~= '1' then redis.call('LREM', outbox, 1, key) end
end
if redis.call('LLEN', outbox) == 0 then redis.call('SREM', slots, slot) end
return 1
`;

/**
 * Put a dead-lettered write back in line. KEYS: its entry, the outbox of its slot, dead letters,
 * the set of slots, pending counts. ARGV: key, slot (as stored in the entry), now. A create is
 * still at the head of its slot; anything else goes back to the head (it was accepted before what
 * waits there now). Runs in one MULTI with the slot's flush job. Returns {1, slot} or {0, status}.
 */
export const REPLAY = `
local key, slot, now = ARGV[1], ARGV[2], ARGV[3]
local ek, outbox = KEYS[1], KEYS[2]
local st = redis.call('HMGET', ek, 'status', 'slot', 'lane')
if st[1] ~= 'dead' then return {0, st[1] or 'missing'} end
if st[2] ~= slot then return {0, 'moved'} end
if redis.call('LPOS', outbox, key) == false then redis.call('LPUSH', outbox, key) end
redis.call('HSET', ek, 'status', 'queued', 'attempts', 0, 'replayedAt', now)
redis.call('ZREM', KEYS[3], key)
redis.call('SADD', KEYS[4], slot)
redis.call('HINCRBY', KEYS[5], st[3], 1)
return {1, slot}
`;
