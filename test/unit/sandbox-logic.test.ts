// The sandbox's pure parts, without HTTP: limit specs, its three limiters and list queries.
import { describe, expect, it } from 'vitest';
import { formatLimitSpec, parseLimitSpec } from '../../src/sandbox/limit-spec.js';
import { listEnvelope, parseListQuery } from '../../src/sandbox/list-query.js';
import { gcra, limitWindow, RateLimiter, retryAfterHeaders, type LimiterKind } from '../../src/sandbox/rate-limiter.js';

describe('parseLimitSpec', () => {
  it.each([
    ['3/1s', 3, 1000],
    ['30/1m', 30, 60_000],
    ['30/3s', 30, 3000],
    ['100/500ms', 100, 500],
    ['5/s', 5, 1000],
    ['1000/1h', 1000, 3_600_000],
    [' 2 / 1.5s ', 2, 1500],
  ])('reads %s', (text, limit, periodMs) => {
    expect(parseLimitSpec(text)).toEqual({ limit, periodMs });
  });

  it.each(['', '3', '3/', '0/1s', '3/0s', '-1/1s', '3/1d', 'x/1s', '3/1s/2'])('rejects %j', (text) => {
    expect(() => parseLimitSpec(text)).toThrow(/invalid rate limit/);
  });

  it('formats back', () => {
    expect(formatLimitSpec({ limit: 30, periodMs: 60_000 })).toBe('30/1m');
    expect(formatLimitSpec({ limit: 100, periodMs: 500 })).toBe('100/500ms');
  });
});

describe('gcra', () => {
  const limit = { limit: 30, periodMs: 60_000, burst: 3 };

  it('allows a burst, then one call per interval, without charging rejections', () => {
    let tat: number | undefined;
    for (let i = 0; i < 3; i += 1) {
      const d = gcra(tat, 0, limit);
      expect(d.allowed).toBe(true);
      tat = d.tat;
    }
    const rejected = gcra(tat, 0, limit);
    expect(rejected).toEqual({ allowed: false, tat, retryAfterMs: 2000 });
    expect(gcra(tat, 1999, limit).allowed).toBe(false);
    expect(gcra(tat, 2000, limit).allowed).toBe(true);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect(retryAfterHeaders(1)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' });
    expect(retryAfterHeaders(2000.2)).toEqual({ 'retry-after': '3', 'retry-after-ms': '2001' });
  });
});

describe('limit windows', () => {
  it('hold the whole limit, or the whole burst at the published rate when it is larger', () => {
    expect(limitWindow({ limit: 30, periodMs: 60_000, burst: 3 })).toEqual({ capacity: 30, windowMs: 60_000 });
    expect(limitWindow({ limit: 3, periodMs: 1000, burst: 50 })).toEqual({ capacity: 50, windowMs: 50_000 / 3 });
    expect(limitWindow({ limit: 2.5, periodMs: 1000, burst: 1 })).toEqual({ capacity: 2, windowMs: 800 });
  });
});

describe('sliding-window limiter', () => {
  const limiter = (): RateLimiter =>
    new RateLimiter({ read: { limit: 3, periodMs: 3000, burst: 1 }, write: { limit: 3, periodMs: 3000, burst: 1 } }, 'sliding-window');

  it('lets C calls into any window of W and says when the oldest leaves it', () => {
    const l = limiter();
    for (const t of [10_000, 10_500, 12_000]) expect(l.check('c', 'read', t).allowed).toBe(true);
    expect(l.check('c', 'read', 12_999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(l.check('c', 'read', 12_500)).toEqual({ allowed: false, retryAfterMs: 500 });
    // Exactly W after the first: the first is out of (now − W, now].
    expect(l.check('c', 'read', 13_000).allowed).toBe(true);
    expect(l.check('c', 'read', 13_400).allowed).toBe(false);
    expect(l.check('c', 'read', 13_500).allowed).toBe(true);
  });

  it('does not count rejections, and keeps clients and kinds apart', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.check('c', 'read', 0);
    for (let i = 0; i < 50; i++) expect(l.check('c', 'read', 1000 + i).allowed).toBe(false);
    expect(l.check('c', 'read', 3000).allowed).toBe(true);
    expect(l.check('c', 'write', 1000).allowed).toBe(true);
    expect(l.check('d', 'read', 1000).allowed).toBe(true);
  });

  it('turns away the late first write of a run paced exactly at the limit', () => {
    // 30 in any 6 s: the first write left 40 ms late, the 31st on time at 6 s after its slot.
    const l = new RateLimiter({ read: { limit: 30, periodMs: 6000, burst: 3 }, write: { limit: 30, periodMs: 6000, burst: 3 } }, 'sliding-window');
    expect(l.check('c', 'write', 40).allowed).toBe(true);
    for (let i = 1; i < 30; i++) expect(l.check('c', 'write', i * 200).allowed).toBe(true);
    expect(l.check('c', 'write', 6000)).toEqual({ allowed: false, retryAfterMs: 40 });
  });
});

describe('fixed-window limiter', () => {
  const l = (): RateLimiter => new RateLimiter({ read: { limit: 3, periodMs: 1000, burst: 1 }, write: { limit: 3, periodMs: 1000, burst: 1 } }, 'fixed-window');

  it('counts C per window aligned to the clock and lets a new window start afresh', () => {
    const limiter = l();
    for (const t of [5_100, 5_200, 5_999]) expect(limiter.check('c', 'read', t).allowed).toBe(true);
    expect(limiter.check('c', 'read', 5_999)).toEqual({ allowed: false, retryAfterMs: 1 });
    // The edge: three more at once in the next window, six within 2 ms.
    for (const t of [6_000, 6_000, 6_001]) expect(limiter.check('c', 'read', t).allowed).toBe(true);
    expect(limiter.check('c', 'read', 6_400)).toEqual({ allowed: false, retryAfterMs: 600 });
  });
});

describe('RateLimiter kinds', () => {
  it.each<[LimiterKind, number]>([
    ['token-bucket', 3],
    ['sliding-window', 30],
    ['fixed-window', 30],
  ])('%s lets %i writes through at once under 30/1m burst 3', (kind, atOnce) => {
    const limiter = new RateLimiter({ read: { limit: 3, periodMs: 1000, burst: 50 }, write: { limit: 30, periodMs: 60_000, burst: 3 } }, kind);
    let allowed = 0;
    for (let i = 0; i < 40; i++) allowed += Number(limiter.check('c', 'write', 120_000).allowed);
    expect(allowed).toBe(atOnce);
  });
});

describe('list queries', () => {
  const rows = [
    { accountId: 'A2', name: 'b', score: 2 },
    { accountId: 'A1', name: 'a', score: 10 },
    { accountId: 'A1', name: 'c', score: 1 },
  ];
  const fields = ['accountId', 'name', 'score'] as const;

  it('sorts on several keys, numbers numerically, and filters exactly', () => {
    const q = parseListQuery({ sort: 'AccountId,-Name' }, fields);
    expect(listEnvelope(rows, q, 'http://h/v2/x').data.map((r) => r.name)).toEqual(['c', 'a', 'b']);
    const byScore = parseListQuery({ sort: 'Score' }, fields);
    expect(listEnvelope(rows, byScore, 'http://h/v2/x').data.map((r) => r.score)).toEqual([1, 2, 10]);
    const filtered = parseListQuery({ 'filter[AccountId]': 'A1', 'filter[Score]': '10' }, fields);
    expect(listEnvelope(rows, filtered, 'http://h/v2/x').data).toEqual([rows[1]]);
  });

  it('pages with links that carry the query', () => {
    const q = parseListQuery({ 'page[offset]': '1', 'page[limit]': '1', 'filter[AccountId]': 'A1' }, fields);
    expect(listEnvelope(rows, q, 'http://h/v2/x')).toEqual({
      data: [rows[2]],
      metadata: { offset: 1, limit: 1, hasMore: false, total: 2, sort: [] },
      links: {
        self: 'http://h/v2/x?page%5Boffset%5D=1&page%5Blimit%5D=1&filter%5BAccountId%5D=A1',
        next: null,
        previous: 'http://h/v2/x?page%5Boffset%5D=0&page%5Blimit%5D=1&filter%5BAccountId%5D=A1',
      },
    });
  });

  it.each([
    [{ 'page[limit]': '201' }],
    [{ 'page[limit]': '1.5' }],
    [{ 'page[size]': '10' }],
    [{ sort: 'Nope' }],
    [{ sort: 'Name,' }],
    [{ 'filter[Nope]': 'x' }],
    [{ 'page[offset]': ['1', '2'] }],
  ])('rejects %o with a 400 problem', (query) => {
    expect(() => parseListQuery(query, fields)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
