import { BridgeError } from '../errors.js';

/** Deeper JSON than any webhook payload we accept; deeper nesting is refused before anything walks it. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep a parsed JSON value nests, looking no deeper than `limit`: a value that nests deeper
 * gives `limit + 1`. Recursion stops there, so a hostile body cannot overflow the stack.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  return depthOf(value, limit, 0);
}

function depthOf(v: unknown, limit: number, depth: number): number {
  if (v === null || typeof v !== 'object') return depth;
  const here = depth + 1;
  if (here > limit) return here;
  let deepest = here;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const d = depthOf(v[i], limit, here);
      if (d > deepest && (deepest = d) > limit) return d;
    }
  } else {
    for (const k in v) {
      const d = depthOf((v as Record<string, unknown>)[k], limit, here);
      if (d > deepest && (deepest = d) > limit) return d;
    }
  }
  return deepest;
}

/** Parses a webhook's raw JSON body; malformed or too deeply nested bodies are a 400. */
export function parseJsonBody(raw: Buffer | string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw Object.assign(new BridgeError('invalid_request', 'the body is not valid JSON'), { issues: [{ path: '', message: (err as Error).message }] });
  }
  if (jsonDepth(json, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw Object.assign(new BridgeError('invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), {
      issues: [{ path: '', message: `nesting deeper than ${MAX_JSON_DEPTH}` }],
    });
  }
  return json;
}
