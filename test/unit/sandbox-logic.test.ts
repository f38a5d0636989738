// The sandbox's pure parts, without HTTP: limit specs, GCRA and list queries.
import { describe, expect, it } from 'vitest';
import { formatLimitSpec, parseLimitSpec } from '../../src/sandbox/limit-spec.js';
import { listEnvelope, parseListQuery } from '../../src/sandbox/list-query.js';
import { gcra, retryAfterHeaders } from '../../src/sandbox/rate-limiter.js';

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
