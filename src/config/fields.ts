import { z } from 'zod';
import { parseDuration, parseRateSpec } from './rate-spec.js';

/**
 * Field parsers for environment variables. Each failure message says what is wrong and shows an
 * example; `secret` fields never echo what they were given.
 */
const shown = (value: string, secret: boolean) => (secret ? '' : ` (got "${value}")`);

export const rate = (example: string) =>
  z.string().transform((value, ctx) => {
    const spec = parseRateSpec(value);
    if (!spec) {
      ctx.addIssue({ code: 'custom', message: `expected N/duration such as ${example}${shown(value, false)}` });
      return z.NEVER;
    }
    return spec;
  });

export const duration = (example: string) =>
  z.string().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as ${example}${shown(value, false)}` });
      return z.NEVER;
    }
    return ms;
  });

export const integer = (min: number, max: number, example: string) =>
  z.string().transform((value, ctx) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a whole number from ${min} to ${max} such as ${example}${shown(value, false)}`,
      });
      return z.NEVER;
    }
    return n;
  });

export const ratio = (example: string) =>
  z.string().transform((value, ctx) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
      ctx.addIssue({ code: 'custom', message: `expected a fraction from 0 to below 1 such as ${example}${shown(value, false)}` });
      return z.NEVER;
    }
    return n;
  });

export const url = (example: string, protocols: string[] = ['http:', 'https:']) =>
  z.string().transform((value, ctx) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !protocols.includes(parsed.protocol)) {
      ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(' or ')} URL such as ${example}${shown(value, false)}` });
      return z.NEVER;
    }
    return value.replace(/\/+$/, '');
  });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((value, ctx) => {
    if (!(values as readonly string[]).includes(value)) {
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}${shown(value, false)}` });
      return z.NEVER;
    }
    return value as T[number];
  });

export const nonEmpty = (example: string, secret = false) =>
  z.string().transform((value, ctx) => {
    if (value.trim() === '') {
      ctx.addIssue({ code: 'custom', message: `must not be empty${secret ? '' : `, for example ${example}`}` });
      return z.NEVER;
    }
    return value;
  });

export const list = (separator: RegExp) =>
  z.string().transform((value) =>
    value
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean),
  );
