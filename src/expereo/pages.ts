import { ExpereoApiError } from './api-error.js';
import { MAX_PAGE_LIMIT, queryFieldName } from './v2-contract.js';

/** List parameters as the guide defines them. Field names are the bridge's camelCase; they are sent PascalCase. */
export interface ListParams {
  /** Items per page, 1–200 (the API's default is 25). */
  limit?: number;
  offset?: number;
  /** e.g. ['-lastModifiedDate', 'caseId'] */
  sort?: string[];
  /** e.g. { customerReference: 'slack:T1:123' } */
  filter?: Record<string, string>;
}

export function listQuery(params: ListParams = {}): URLSearchParams {
  const q = new URLSearchParams();
  if (params.offset !== undefined) q.set('page[offset]', String(params.offset));
  if (params.limit !== undefined) {
    if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > MAX_PAGE_LIMIT) {
      throw new RangeError(`page limit must be 1–${MAX_PAGE_LIMIT}, got ${params.limit}`);
    }
    q.set('page[limit]', String(params.limit));
  }
  if (params.sort?.length) {
    q.set('sort', params.sort.map((f) => (f.startsWith('-') ? `-${queryFieldName(f.slice(1))}` : queryFieldName(f))).join(','));
  }
  for (const [field, value] of Object.entries(params.filter ?? {})) q.set(`filter[${queryFieldName(field)}]`, value);
  return q;
}

/**
 * The next page's URL as the server gave it, checked to stay on the API's origin: a `next` link
 * elsewhere would carry our bearer token to a stranger.
 */
export function nextPageUrl(next: string | null | undefined, baseUrl: string): string | undefined {
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next, baseUrl);
  } catch {
    throw new ExpereoApiError({ code: 'bad_link', message: 'links.next is not a URL' });
  }
  if (url.origin !== new URL(baseUrl).origin) {
    throw new ExpereoApiError({ code: 'bad_link', message: `links.next leaves the API origin (${url.origin})` });
  }
  return url.toString();
}

export interface Page<T> {
  items: T[];
  total: number | null;
  hasMore: boolean;
  next: string | undefined;
}
