/** Lua scripts of the incident store (see store.ts for the keys). Each runs atomically in Redis. */

/**
 * Compare-and-set of one incident's state, with the writes and timers the change planned.
 * KEYS: state hash, plan hash, set of incidents with plans. ARGV: expected version ('0' when the
 * incident is new), state JSON, TTL (ms), incident hash, then pairs of plan field and item JSON.
 * Returns 1 when stored, 0 when someone else changed the incident first.
 */
export const COMMIT = `
local version = redis.call('HGET', KEYS[1], 'v') or '0'
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(version) + 1), 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if #ARGV > 4 then
  for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[4])
end
return 1
`;

/** Forgets an incident's plan once carried out, unless a newer commit added to it. KEYS: plan, set. ARGV: hash. */
export const DRAINED = `
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`;
