import fc from 'fast-check';
import type { BodyFormat } from './fuzz-bodies.js';

/**
 * Request headers for fuzzing the webhook routes, as plans applied on top of a correctly signed
 * request: the content type, the signed timestamp, what happens to each credential header, and
 * extra headers. Values keep to what HTTP allows in a header (visible ASCII, space, tab, obs-text).
 */

export type ContentTypePlan = { kind: 'natural' } | { kind: 'absent' } | { kind: 'value'; value: string };

/** The timestamp a request is signed with: now, shifted by `skewS` seconds, or any text. */
export type TimestampPlan = { kind: 'fresh' } | { kind: 'absent' } | { kind: 'skew'; skewS: number } | { kind: 'text'; value: string };

/** What becomes of one credential header after signing. */
export type TamperPlan =
  | { kind: 'keep' }
  | { kind: 'drop' }
  | { kind: 'empty' }
  | { kind: 'value'; value: string }
  | { kind: 'long'; size: number }
  | { kind: 'flip'; at: number }
  /** A second value, joined the way Node joins a repeated custom header. */
  | { kind: 'twice'; value: string };

export interface HeaderPlan {
  contentType: ContentTypePlan;
  timestamp: TimestampPlan;
  /** One plan per credential header, in the route's order (missing entries: keep). */
  tamper: TamperPlan[];
  extra: Record<string, string>;
}

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'application/json; charset="utf-8"',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;',
  'application/json; ;;',
  'application/json; foo',
  'application/json, text/plain',
  ' application/json ',
  'application/jsonx',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'text/plain',
  'text/json',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  '*/*',
  ';',
  '/',
  'application/',
  '',
];

/** Characters allowed in an HTTP header value. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', 'é', 'ÿ', '\u0080') },
);
export const headerValueArb = (maxLength = 40) => fc.string({ unit: headerChar, maxLength });

const tokenChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&'*+.^`|~".split(''));
const headerNameArb = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });

export const contentTypePlanArb: fc.Arbitrary<ContentTypePlan> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'natural' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
  { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((value) => ({ kind: 'value' as const, value })) },
  { weight: 1, arbitrary: headerValueArb().map((value) => ({ kind: 'value' as const, value })) },
);

/** For requests that ought to be accepted: the natural type, or a harmless spelling of it. */
export const goodContentTypePlanArb: fc.Arbitrary<ContentTypePlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'natural' as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json;charset=UTF-8').map((value) => ({ kind: 'value' as const, value })),
  },
);

const garbageTimestamp = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1e3', '0x10', '١٢٣٤٥٦٧٨٩٠', '99999999999999999999', '1.5', 'NaN', 'Infinity', '2025-13-45T99:99:99Z', 'null'),
  headerValueArb(30),
);

export const timestampPlanArb: fc.Arbitrary<TimestampPlan> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'fresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
  {
    weight: 2,
    arbitrary: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -2e9, max: 2e9 })).map((skewS) => ({ kind: 'skew' as const, skewS })),
  },
  { weight: 2, arbitrary: garbageTimestamp.map((value) => ({ kind: 'text' as const, value })) },
);

export const tamperPlanArb: fc.Arbitrary<TamperPlan> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'keep' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 2, arbitrary: headerValueArb(80).map((value) => ({ kind: 'value' as const, value })) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((size) => ({ kind: 'long' as const, size })) },
  { weight: 2, arbitrary: fc.nat().map((at) => ({ kind: 'flip' as const, at })) },
  { weight: 1, arbitrary: headerValueArb(40).map((value) => ({ kind: 'twice' as const, value })) },
);

/** Headers senders add, with any value; plus a few with random names. */
const KNOWN_EXTRA = [
  'x-request-id',
  'x-slack-retry-num',
  'x-slack-retry-reason',
  'x-atlassian-webhook-identifier',
  'x-zendesk-webhook-invocation-id',
  'x-delivery-id',
  'content-encoding',
  'accept',
  'accept-charset',
  'user-agent',
  'expect',
];
export const extraHeadersArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(fc.dictionary(fc.constantFrom(...KNOWN_EXTRA), headerValueArb(), { maxKeys: 3 }), fc.dictionary(headerNameArb, headerValueArb(), { maxKeys: 2 }))
  .map(([known, random]) => {
    const out: Record<string, string> = {};
    // Headers that frame the request itself are the HTTP layer's, not the route's.
    for (const [k, v] of Object.entries({ ...random, ...known })) if (!['content-length', 'transfer-encoding', 'host', 'connection'].includes(k)) out[k] = v;
    return out;
  });

export const headerPlanArb: fc.Arbitrary<HeaderPlan> = fc.record({
  contentType: contentTypePlanArb,
  timestamp: timestampPlanArb,
  tamper: fc.array(tamperPlanArb, { minLength: 3, maxLength: 3 }),
  extra: extraHeadersArb,
});

/** A correctly signed request with an acceptable content type and nothing tampered with. */
export const validHeaderPlanArb: fc.Arbitrary<HeaderPlan> = fc.record({
  contentType: goodContentTypePlanArb,
  timestamp: fc.constant({ kind: 'fresh' as const }),
  tamper: fc.constant([]),
  extra: fc.constant({}),
});

const NATURAL: Record<BodyFormat, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded', other: 'application/json' };

export function contentTypeOf(plan: ContentTypePlan, format: BodyFormat): string | undefined {
  if (plan.kind === 'absent') return undefined;
  return plan.kind === 'natural' ? NATURAL[format] : plan.value;
}

/** The timestamp header's text for a plan (`format` renders a time as the route's sender would). */
export function timestampOf(plan: TimestampPlan, nowMs: number, format: (ms: number) => string): string | undefined {
  switch (plan.kind) {
    case 'fresh':
      return format(nowMs);
    case 'absent':
      return undefined;
    case 'skew':
      return format(nowMs + plan.skewS * 1000);
    case 'text':
      return plan.value;
  }
}

/** Applies a tamper plan to one header of an otherwise correctly signed request. */
export function tamper(headers: Record<string, string>, name: string, plan: TamperPlan): void {
  const value = headers[name] ?? '';
  switch (plan.kind) {
    case 'keep':
      return;
    case 'drop':
      delete headers[name];
      return;
    case 'empty':
      headers[name] = '';
      return;
    case 'value':
      headers[name] = plan.value;
      return;
    case 'long':
      headers[name] = (value || 'x').repeat(Math.ceil(plan.size / Math.max(1, value.length))).slice(0, plan.size);
      return;
    case 'flip': {
      if (!value) return;
      const i = plan.at % value.length;
      const c = value[i] === 'a' ? 'b' : 'a';
      headers[name] = value.slice(0, i) + c + value.slice(i + 1);
      return;
    }
    case 'twice':
      headers[name] = `${value}, ${plan.value}`;
  }
}
