/**
 * Records one event of a case's timeline in one round trip (see `Journal.record`).
 *
 * KEYS: the index of timelines (`<prefix>:journal:recent`). ARGV: prefix, ttl (s), most events per timeline, most timelines in the index, event id, event
 * time (ms), event JSON, detach (`1`: the first subject starts a timeline of its own), number of
 * subjects, the subjects, then meta field/value pairs (empty values are skipped).
 *
 * The first subject is where the event belongs (a case id, else a create key, else an origin);
 * the timeline it is recorded in is that subject's root: subjects point up to the timeline that
 * took them in (`up:<subject>`), at most four steps. Every further subject is taken into the root
 * (its events, its meta, and from then on its own events), so an alert incident's timeline, then
 * its case create's, become the case's once the case exists. An event id seen before adds nothing:
 * running a job twice records its events once. A timeline pushed out of the index by newer ones
 * is deleted with it, so the journal's memory is bounded by its limits, not only by its TTL.
 *
 * The timelines it touches are found as it runs (a subject's root, timelines pushed out of the
 * index), so their names are built from the prefix here instead of being given in KEYS. They share
 * the prefix, hence its hash tag on a Redis Cluster (src/config/redis-settings.ts), so they live in
 * the slot of KEYS[1], where the script runs.
 */
export const RECORD = `
local p = ARGV[1] .. ':journal:'
local ttl = tonumber(ARGV[2])
local maxEvents = tonumber(ARGV[3])
local maxCases = tonumber(ARGV[4])
local id, at, ev = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local detach = ARGV[8] == '1'
local n = tonumber(ARGV[9])
local root = ARGV[10]
if detach then
  redis.call('DEL', p .. 'up:' .. root)
else
  for _ = 1, 4 do
    local up = redis.call('GET', p .. 'up:' .. root)
    if not up or up == root then break end
    root = up
  end
end
for i = 2, n do
  local s = ARGV[9 + i]
  if s ~= root and redis.call('GET', p .. 'up:' .. s) ~= root then
    redis.call('SET', p .. 'up:' .. s, root, 'EX', ttl)
    local ids = redis.call('ZRANGE', p .. 't:' .. s, 0, -1, 'WITHSCORES')
    for j = 1, #ids, 2 do
      local e = redis.call('HGET', p .. 'e:' .. s, ids[j])
      if e and redis.call('HSETNX', p .. 'e:' .. root, ids[j], e) == 1 then
        redis.call('ZADD', p .. 't:' .. root, ids[j + 1], ids[j])
      end
    end
    local m = redis.call('HGETALL', p .. 'm:' .. s)
    for j = 1, #m, 2 do
      if m[j] == 'lastAt' then
        if tonumber(m[j + 1]) > tonumber(redis.call('HGET', p .. 'm:' .. root, 'lastAt') or '0') then
          redis.call('HSET', p .. 'm:' .. root, 'lastAt', m[j + 1])
        end
      elseif m[j] ~= 'subject' then
        redis.call('HSETNX', p .. 'm:' .. root, m[j], m[j + 1])
      end
    end
    redis.call('DEL', p .. 't:' .. s, p .. 'e:' .. s, p .. 'm:' .. s)
    redis.call('ZREM', KEYS[1], s)
  end
end
local t, e, m = p .. 't:' .. root, p .. 'e:' .. root, p .. 'm:' .. root
local added = redis.call('HSETNX', e, id, ev)
if added == 1 then
  redis.call('ZADD', t, at, id)
  local count = redis.call('ZCARD', t)
  if count > maxEvents then
    local old = redis.call('ZRANGE', t, 0, count - maxEvents - 1)
    redis.call('ZREMRANGEBYRANK', t, 0, count - maxEvents - 1)
    redis.call('HDEL', e, unpack(old))
  end
end
for i = 10 + n, #ARGV - 1, 2 do
  if ARGV[i + 1] ~= '' then redis.call('HSET', m, ARGV[i], ARGV[i + 1]) end
end
redis.call('HSET', m, 'subject', root)
if at > tonumber(redis.call('HGET', m, 'lastAt') or '0') then redis.call('HSET', m, 'lastAt', at) end
redis.call('ZADD', KEYS[1], 'GT', at, root)
local cases = redis.call('ZCARD', KEYS[1])
if cases > maxCases then
  for _, s in ipairs(redis.call('ZRANGE', KEYS[1], 0, cases - maxCases)) do
    if s ~= root and cases > maxCases then
      redis.call('DEL', p .. 't:' .. s, p .. 'e:' .. s, p .. 'm:' .. s)
      redis.call('ZREM', KEYS[1], s)
      cases = cases - 1
    end
  end
end
redis.call('EXPIRE', t, ttl)
redis.call('EXPIRE', e, ttl)
redis.call('EXPIRE', m, ttl)
redis.call('EXPIRE', KEYS[1], ttl)
return { added, root }
`;
