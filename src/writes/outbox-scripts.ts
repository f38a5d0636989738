/**
 * Lua scripts of the write outbox. Each runs atomically in Redis. Key names are built from the
 * prefix exactly as in src/state/state-keys.ts (the bridge uses one Redis, not a cluster).
 */

/**
 * Accept one write into the slot the caller worked out (see Outbox.slotOf). ARGV: prefix, key,
 * request JSON, lane, slot, ref type (new | caseId | createKey), ref value, now (ms). It runs in
 * one MULTI with the slot's flush job, so a write is never waiting without a flush on the way.
 * Returns:
 *   {1, slot, writes waiting in lanes up to this one}   accepted
 *   {0, status, caseId, slot}                            seen before (no second effect)
 *   {-1, reason}                                         refused
 */
export const ENQUEUE = `
local p, key, req, lane, slot = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local refType, refValue, now = ARGV[6], ARGV[7], ARGV[8]
local ek = p .. ':w:e:' .. key
if redis.call('EXISTS', ek) == 1 then
  local st = redis.call('HMGET', ek, 'status', 'caseId', 'slot')
  return {0, st[1] or '', st[2] or '', st[3] or ''}
end
if refType == 'createKey' and redis.call('EXISTS', p .. ':w:e:' .. refValue) == 0 and redis.call('EXISTS', p .. ':ref:' .. refValue) == 0 then
  return {-1, 'unknown_create'}
end
redis.call('HSET', ek, 'req', req, 'slot', slot, 'lane', lane, 'status', 'queued', 'attempts', 0, 'acceptedAt', now)
redis.call('RPUSH', p .. ':w:o:' .. slot, key)
redis.call('SADD', p .. ':w:slots', slot)
redis.call('HINCRBY', p .. ':w:pending', lane, 1)
local ahead = 0
for l = 1, lane do ahead = ahead + tonumber(redis.call('HGET', p .. ':w:pending', l) or '0') end
return {1, slot, ahead}
`;

/**
 * Record a batch as sent. ARGV: prefix, slot, case id, op, done-TTL (ms), now, message id or '',
 * fingerprint or '', then the batch's keys. For a create: map key → case, case → slot, and link the
 * conversations the create asked for.
 */
export const COMPLETE = `
local p, slot, caseId, op, ttl, now, messageId, fingerprint = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local outbox = p .. ':w:o:' .. slot
for i = 9, #ARGV do
  local key = ARGV[i]
  local ek = p .. ':w:e:' .. key
  local st = redis.call('HMGET', ek, 'status', 'lane', 'req')
  if st[1] == 'queued' or st[1] == 'sending' then
    redis.call('HINCRBY', p .. ':w:pending', st[2], -1)
  end
  redis.call('LREM', outbox, 1, key)
  redis.call('HSET', ek, 'status', 'done', 'caseId', caseId, 'doneAt', now)
  redis.call('HDEL', ek, 'error')
  redis.call('PEXPIRE', ek, ttl)
  redis.call('ZREM', p .. ':w:dead', key)
  if op == 'create' then
    redis.call('SET', p .. ':ref:' .. key, caseId)
    redis.call('SET', p .. ':case:' .. caseId .. ':slot', slot)
    local ok, parsed = pcall(cjson.decode, st[3])
    if ok and parsed['links'] then
      for _, link in ipairs(parsed['links']) do
        redis.call('HSET', p .. ':case:' .. caseId .. ':links', link['id'], cjson.encode(link))
        redis.call('SET', p .. ':link:' .. link['id'], caseId)
        redis.call('SADD', p .. ':cases:linked', caseId)
      end
    end
  end
end
if messageId ~= '' then redis.call('SADD', p .. ':case:' .. caseId .. ':sent', 'id:' .. messageId) end
if fingerprint ~= '' then redis.call('SADD', p .. ':case:' .. caseId .. ':sent', 'fp:' .. fingerprint) end
if redis.call('LLEN', outbox) == 0 then redis.call('SREM', p .. ':w:slots', slot) end
return 1
`;

/**
 * Dead-letter a batch. ARGV: prefix, slot, error JSON, now, keep-at-head (1 for a create: the
 * writes queued behind it wait for its replay), then the keys.
 */
export const DEAD = `
local p, slot, err, now, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local outbox = p .. ':w:o:' .. slot
for i = 6, #ARGV do
  local key = ARGV[i]
  local ek = p .. ':w:e:' .. key
  local st = redis.call('HMGET', ek, 'status', 'lane')
  if st[1] == 'queued' or st[1] == 'sending' then
    redis.call('HINCRBY', p .. ':w:pending', st[2], -1)
  end
  redis.call('HSET', ek, 'status', 'dead', 'error', err, 'deadAt', now)
  redis.call('ZADD', p .. ':w:dead', now, key)
  if keep ~= '1' then redis.call('LREM', outbox, 1, key) end
end
if redis.call('LLEN', outbox) == 0 then redis.call('SREM', p .. ':w:slots', slot) end
return 1
`;

/**
 * Put a dead-lettered write back in line. ARGV: prefix, key, now. A create is still at the head of
 * its slot; anything else goes back to the head (it was accepted before what waits there now). Runs
 * in one MULTI with the slot's flush job. Returns {1, slot} or {0, status}.
 */
export const REPLAY = `
local p, key, now = ARGV[1], ARGV[2], ARGV[3]
local ek = p .. ':w:e:' .. key
local st = redis.call('HMGET', ek, 'status', 'slot', 'lane')
if st[1] ~= 'dead' then return {0, st[1] or 'missing'} end
local slot = st[2]
local outbox = p .. ':w:o:' .. slot
if redis.call('LPOS', outbox, key) == false then redis.call('LPUSH', outbox, key) end
redis.call('HSET', ek, 'status', 'queued', 'attempts', 0, 'replayedAt', now)
redis.call('ZREM', p .. ':w:dead', key)
redis.call('SADD', p .. ':w:slots', slot)
redis.call('HINCRBY', p .. ':w:pending', st[3], 1)
return {1, slot}
`;
