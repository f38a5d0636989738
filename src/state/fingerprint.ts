import { createHash } from 'node:crypto';

/**
 * A content fingerprint of a case message: what the bridge wrote is recognised when it comes back
 * from expereo even if the API answered without an id, and a retried write can find its first try.
 * White space is folded because upstream systems often re-wrap text.
 */
export function messageFingerprint(text: string): string {
  const normalized = text.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normalized).digest('hex').slice(0, 32);
}
