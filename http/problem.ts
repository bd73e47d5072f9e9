// RFC 9457 problem details with our stable `code`; the one place errors become responses.
import { AppError } from '../core/errors.ts'

export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly code: string
  readonly issues?: readonly { path: string; message: string }[]
  readonly requestId?: string
}

/** The JSON Schema of a Problem, for the OpenAPI document; `codeRef` points at the enum of the error codes. */
export const problemSchema = (codeRef: string) =>
  ({
    type: 'object',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string', description: 'urn:credit-bank:problem:<code>' },
      title: { type: 'string', description: 'what went wrong, for people (never for 5xx)' },
      status: { type: 'integer' },
      code: { $ref: codeRef },
      issues: {
        type: 'array',
        description: 'each part of the request that does not match its schema',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string', description: 'a JSON pointer' }, message: { type: 'string' } },
        },
      },
      requestId: { type: 'string', description: 'the X-Request-Id of the request, for the logs' },
    },
  }) as const

export function toProblem(err: unknown, requestId?: string): { status: number; headers: Record<string, string>; body: Problem } {
  const e = err instanceof AppError ? err : new AppError('internal', 'unexpected error', { cause: err })
  return {
    status: e.status,
    headers: { ...e.headers },
    body: {
      type: `urn:credit-bank:problem:${e.code}`,
      title: e.expose ? e.message : 'Internal Server Error',
      status: e.status,
      code: e.code,
      ...(e.issues?.length ? { issues: e.issues } : {}),
      ...(requestId ? { requestId } : {}),
    },
  }
}
