import type { Redis } from 'ioredis';
import { runScript } from './redis.js';

/**
 * The one Redis lock of the bridge: a key holding its owner's token with a time to live, taken with
 * SET-if-absent, extended and deleted only by the owner (compare-and-delete). Used for an outbox
 * slot's flush, the token refresh, the mirror's scan, a conversation's deliveries, an incident's
 * plan and an intake's reader lease.
 */

const TAKE_LOCK = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const EXTEND_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Takes the lock `key` for `owner` for `ttlMs`: true if it is the owner's now. Taking it again is
 * a success, so that a command sent again after its reply was lost (ioredis resends what was in
 * flight when it reconnects at once, and a patient connection always does) does not find its own
 * lock and wait for it to lapse.
 */
export async function takeLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await runScript(redis, TAKE_LOCK, 1, key, owner, ttlMs)) === 1;
}

/** Extends the lock `key` if `owner` still holds it. */
export async function extendLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await runScript(redis, EXTEND_LOCK, 1, key, owner, ttlMs)) === 1;
}

/** Releases the lock `key` if `owner` still holds it. */
export async function releaseLock(redis: Redis, key: string, owner: string): Promise<void> {
  await runScript(redis, RELEASE_LOCK, 1, key, owner);
}
