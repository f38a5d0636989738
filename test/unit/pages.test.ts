import { describe, expect, it } from 'vitest';
import { listQuery, nextPageUrl } from '../../src/expereo/pages.js';

describe('listQuery', () => {
  it('writes the guide parameters with PascalCase fields', () => {
    const q = listQuery({ offset: 0, limit: 200, sort: ['accountId', '-name'], filter: { customerReference: 'slack:1' } });
    expect(q.get('page[offset]')).toBe('0');
    expect(q.get('page[limit]')).toBe('200');
    expect(q.get('sort')).toBe('AccountId,-Name');
    expect(q.get('filter[CustomerReference]')).toBe('slack:1');
    expect(q.toString()).toBe('page%5Boffset%5D=0&page%5Blimit%5D=200&sort=AccountId%2C-Name&filter%5BCustomerReference%5D=slack%3A1');
  });

  it('refuses page sizes the API refuses', () => {
    expect(() => listQuery({ limit: 201 })).toThrow(RangeError);
    expect(() => listQuery({ limit: 0 })).toThrow(RangeError);
  });
});

describe('nextPageUrl', () => {
  const base = 'https://api.example.test';

  it('follows the link the server gave, relative or absolute', () => {
    expect(nextPageUrl(`${base}/v2/cases?page%5Boffset%5D=25`, base)).toBe(`${base}/v2/cases?page%5Boffset%5D=25`);
    expect(nextPageUrl('/v2/cases?page%5Boffset%5D=50', base)).toBe(`${base}/v2/cases?page%5Boffset%5D=50`);
    expect(nextPageUrl(null, base)).toBeUndefined();
    expect(nextPageUrl(undefined, base)).toBeUndefined();
  });

  it('never follows a link off the API origin', () => {
    expect(() => nextPageUrl('https://evil.example/v2/cases', base)).toThrow(/leaves the API origin/);
    expect(() => nextPageUrl('http://api.example.test/v2/cases', base)).toThrow(/leaves the API origin/);
  });
});
