// OAuth 2.0 client credentials as Cognito answers them, and the opaque bearer tokens it issues.
import { randomBytes } from 'node:crypto';
import { safeEqual } from '../http/safe-equal.js';
import type { SandboxClient } from './options.js';

export type TokenError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

export type TokenRequestResult = { ok: true; client: SandboxClient; scopes: string[] } | { ok: false; error: TokenError; clientId: string | undefined };

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    const unform = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** Checks a token request (form fields and Authorization header) against the known clients. */
export function checkTokenRequest(body: unknown, authorization: string | undefined, clients: readonly SandboxClient[]): TokenRequestResult {
  const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const field = (name: string): string | undefined => {
    const v = form[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const basic = parseBasic(authorization);
  const clientId = basic?.id ?? field('client_id');
  const fail = (error: TokenError): TokenRequestResult => ({ ok: false, error, clientId });

  const grantType = field('grant_type');
  if (grantType === undefined) return fail('invalid_request');
  if (grantType !== 'client_credentials') return fail('unsupported_grant_type');
  if (basic !== undefined && field('client_id') !== undefined && field('client_id') !== basic.id) {
    return fail('invalid_request');
  }
  const secret = basic?.secret ?? field('client_secret');
  if (clientId === undefined || secret === undefined) return fail('invalid_request');

  const client = clients.find((c) => c.clientId === clientId);
  if (client === undefined || !safeEqual(secret, client.clientSecret)) return fail('invalid_client');

  const requested = field('scope')
    ?.split(/[\s+]+/)
    .filter((s) => s !== '');
  if (requested === undefined || requested.length === 0) return { ok: true, client, scopes: [...client.scopes] };
  if (requested.some((s) => !client.scopes.includes(s))) return fail('invalid_scope');
  return { ok: true, client, scopes: [...new Set(requested)] };
}

export interface IssuedToken {
  clientId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
}

export type TokenCheck = { ok: true; token: IssuedToken } | { ok: false; reason: 'unknown' | 'expired' };

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private expiryOverrideMs: number | null = null;
  issued = 0;

  constructor(private readonly lifetimeMs: number) {}

  issue(clientId: string, scopes: string[], now: number): { accessToken: string; expiresIn: number } {
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { clientId, scopes, issuedAt: now, expiresAt: now + this.lifetimeMs });
    this.issued += 1;
    return { accessToken, expiresIn: Math.round(this.lifetimeMs / 1000) };
  }

  check(accessToken: string, now: number): TokenCheck {
    const token = this.tokens.get(accessToken);
    if (token === undefined) return { ok: false, reason: 'unknown' };
    if (now >= this.expiryOf(token)) return { ok: false, reason: 'expired' };
    return { ok: true, token };
  }

  /** Chaos: every token, issued or to be issued, dies `ms` after it was issued (null restores). */
  setExpiryOverride(ms: number | null): void {
    this.expiryOverrideMs = ms;
  }

  get expiryOverride(): number | null {
    return this.expiryOverrideMs;
  }

  revokeAll(now: number): number {
    const live = this.liveCount(now);
    this.tokens.clear();
    return live;
  }

  liveCount(now: number): number {
    let live = 0;
    for (const [key, token] of this.tokens) {
      // Expired tokens are forgotten here and answer 'unknown' afterwards; both give 401.
      if (now < this.expiryOf(token)) live += 1;
      else this.tokens.delete(key);
    }
    return live;
  }

  private expiryOf(token: IssuedToken): number {
    const override = this.expiryOverrideMs;
    return override === null ? token.expiresAt : Math.min(token.expiresAt, token.issuedAt + override);
  }
}
