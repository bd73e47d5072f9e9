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
