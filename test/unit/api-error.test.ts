import { describe, expect, it } from 'vitest';
import { errorFromResponse, parseRetryAfter } from '../../src/expereo/api-error.js';

describe('errorFromResponse', () => {
  it('reads RFC 9457 problem+json with field errors', () => {
    const err = errorFromResponse(
      422,
      {},
      JSON.stringify({
        type: 'about:blank',
        title: 'Validation failed',
        status: 422,
        detail: 'priority',
        errors: [{ field: 'priority', message: 'P1 not allowed' }],
      }),
    );
    expect(err.code).toBe('validation_failed');
    expect(err.status).toBe(422);
    expect(err.message).toBe('Validation failed: priority');
    expect(err.fieldErrors).toEqual([{ field: 'priority', message: 'P1 not allowed' }]);
    expect(err.retryable).toBe(false);
  });

  it('reads JSON:API errors with source pointers', () => {
    const err = errorFromResponse(
      400,
      {},
      JSON.stringify({ errors: [{ title: 'Invalid', detail: 'serviceId unknown', source: { pointer: '/data/attributes/serviceId' } }] }),
    );
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe('serviceId unknown');
    expect(err.fieldErrors).toEqual([{ field: 'serviceId', message: 'serviceId unknown' }]);
  });

  it('reads validation maps and OAuth errors', () => {
    const map = errorFromResponse(422, {}, JSON.stringify({ title: 'Bad', errors: { Subject: ['is required', 'too short'] } }));
    expect(map.fieldErrors).toEqual([
      { field: 'Subject', message: 'is required' },
      { field: 'Subject', message: 'too short' },
    ]);
    expect(errorFromResponse(400, {}, '{"error":"invalid_client"}').message).toBe('invalid_client');
  });

  it('falls back to plain text, trimmed and bounded', () => {
    const err = errorFromResponse(502, {}, `  <html>${'x'.repeat(2000)}</html> `);
    expect(err.code).toBe('upstream_error');
    expect(err.retryable).toBe(true);
    expect(err.message.length).toBe(500);
    expect(errorFromResponse(500, {}, '').message).toBe('HTTP 500');
    expect(errorFromResponse(418, {}, '[1,2]').code).toBe('http_418');
  });

  it('carries the delay of a 429 in milliseconds', () => {
    const err = errorFromResponse(429, { 'retry-after': '7' }, '{"title":"Too Many Requests"}');
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(7000);
    expect(err.retryable).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  it('accepts seconds, HTTP dates and a precise millisecond header', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': '0.25' })).toBe(250);
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': '1', 'retry-after-ms': '120' })).toBe(120);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});
