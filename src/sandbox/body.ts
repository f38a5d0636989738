// Request bodies checked with zod: a shape mismatch is a 400 problem that lists each field.
import type { z } from 'zod';
import { badRequest, type FieldError } from './problem.js';

export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'unknown field' }));
    }
    return [{ field: issue.path.length > 0 ? issue.path.join('.') : '(body)', message: issue.message }];
  });
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object', [{ field: '(body)', message: 'expected a JSON object' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The request body does not have the expected shape', issuesToErrors(result.error.issues));
  return result.data;
}
