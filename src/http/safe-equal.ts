import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two secrets of any length: both are hashed first, so that neither the
 * time taken nor an early length check tells a caller how much of a guess was right, or how long
 * the secret is.
 */
export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(hash('sha256', given, 'buffer'), hash('sha256', expected, 'buffer'));
}
