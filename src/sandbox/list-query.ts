// List parameters of API V2 (page[offset], page[limit], sort, filter[Field]) as plain functions:
// parse the query, apply it to an array, and build the envelope with its page links.
import { badRequest } from './problem.js';

export const DEFAULT_PAGE_LIMIT = 25;
export const MAX_PAGE_LIMIT = 200;

export interface SortKey {
  field: string;
  descending: boolean;
}

export interface FieldFilter {
  name: string;
  field: string;
  value: string;
}

export interface ListQuery {
  offset: number;
  limit: number;
  sort: SortKey[];
  sortTokens: string[];
  filters: FieldFilter[];
}

export interface ListEnvelope<T> {
  data: T[];
  metadata: { offset: number; limit: number; hasMore: boolean; total: number | null; sort: string[] };
  links: { self: string; next: string | null; previous: string | null };
}

type RawQuery = Record<string, unknown>;

export const pascalCase = (field: string): string => field.charAt(0).toUpperCase() + field.slice(1);

export function parseListQuery(query: RawQuery, fields: readonly string[]): ListQuery {
  const byName = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const resolve = (name: string, param: string): string => {
    const field = byName.get(name.toLowerCase());
    if (field === undefined) {
      throw badRequest(`Unknown field '${name}' in ${param}`, [{ field: param, message: `unknown field; known: ${fields.map(pascalCase).join(', ')}` }]);
    }
    return field;
  };

  const offset = parseWhole(single(query, 'page[offset]'), 'page[offset]', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = parseWhole(single(query, 'page[limit]'), 'page[limit]', DEFAULT_PAGE_LIMIT, 1, MAX_PAGE_LIMIT);

  const sortParam = single(query, 'sort');
  const sortTokens = sortParam === undefined ? [] : sortParam.split(',').map((t) => t.trim());
  const sort = sortTokens.map((token) => {
    const descending = token.startsWith('-');
    const name = descending || token.startsWith('+') ? token.slice(1) : token;
    if (name === '') throw badRequest('Empty field name in sort', [{ field: 'sort', message: 'empty field name' }]);
    return { field: resolve(name, 'sort'), descending };
  });

  const filters: FieldFilter[] = [];
  for (const key of Object.keys(query)) {
    if (key.startsWith('page[') && key !== 'page[offset]' && key !== 'page[limit]') {
      throw badRequest(`Unknown paging parameter '${key}'`, [{ field: key, message: 'use page[offset] and page[limit]' }]);
    }
    const match = /^filter\[([^\]]*)\]$/.exec(key);
    if (match === null) continue;
    const name = match[1] ?? '';
    const field = resolve(name, key);
    const value = single(query, key) ?? '';
    filters.push({ name: pascalCase(field), field, value });
  }
  return { offset, limit, sort, sortTokens, filters };
}

function single(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw badRequest(`Parameter '${key}' was given more than once`, [{ field: key, message: 'give it once' }]);
  }
  return value;
}

function parseWhole(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`Invalid ${name} '${raw}'`, [{ field: name, message: `must be a whole number from ${min} to ${max}` }]);
  }
  return n;
}

function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((v) => String(v) === wanted);
  if (value === null || value === undefined) return wanted === '';
  return String(value) === wanted;
}

function compareValues(a: unknown, b: unknown): number {
  // Missing values sort after present ones when ascending.
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function applyListQuery<T extends object>(items: readonly T[], q: ListQuery): { page: T[]; total: number } {
  const field = (item: T, name: string): unknown => (item as Record<string, unknown>)[name];
  let rows = items.filter((item) => q.filters.every((f) => matches(field(item, f.field), f.value)));
  if (q.sort.length > 0) {
    // Array.prototype.sort is stable, so ties keep the natural (id) order.
    rows = [...rows].sort((a, b) => {
      for (const key of q.sort) {
        const c = compareValues(field(a, key.field), field(b, key.field));
        if (c !== 0) return key.descending ? -c : c;
      }
      return 0;
    });
  }
  return { page: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
}

export function pageUrl(baseUrl: string, q: ListQuery, offset: number): string {
  const params: [string, string][] = [
    ['page[offset]', String(offset)],
    ['page[limit]', String(q.limit)],
  ];
  if (q.sortTokens.length > 0) params.push(['sort', q.sortTokens.join(',')]);
  for (const f of q.filters) params.push([`filter[${f.name}]`, f.value]);
  const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${baseUrl}?${qs}`;
}

export function listEnvelope<T extends object>(items: readonly T[], q: ListQuery, baseUrl: string): ListEnvelope<T> {
  const { page, total } = applyListQuery(items, q);
  const hasMore = q.offset + q.limit < total;
  return {
    data: page,
    metadata: { offset: q.offset, limit: q.limit, hasMore, total, sort: q.sortTokens },
    links: {
      self: pageUrl(baseUrl, q, q.offset),
      next: hasMore ? pageUrl(baseUrl, q, q.offset + q.limit) : null,
      previous: q.offset > 0 ? pageUrl(baseUrl, q, Math.max(0, q.offset - q.limit)) : null,
    },
  };
}
