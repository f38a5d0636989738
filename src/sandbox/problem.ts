// RFC 9457 problem details: the error shape every sandbox API error takes.
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class ProblemError extends Error {
  readonly status: number;
  readonly errors: FieldError[];
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, errors: FieldError[] = [], headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

export function problem(status: number, detail: string, errors: FieldError[] = []): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, errors };
}

export function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(p.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(p);
}

export const badRequest = (detail: string, errors: FieldError[] = []): ProblemError => new ProblemError(400, detail, errors);
export const notFound = (detail: string): ProblemError => new ProblemError(404, detail);
export const unprocessable = (errors: FieldError[]): ProblemError => new ProblemError(422, 'The request body has invalid values', errors);
