// The verifier's result: a list of named checks, each passed, failed or skipped with a reason.
// Browser-safe (no node: imports): the wallet shares these types.
import type { VerificationReason } from './reasons.ts'

export type { VerificationReason } from './reasons.ts'

/** Checks in the order they appear in every report. */
export const CHECK_ORDER = [
  'format',
  'schema',
  'credential_schema',
  'proof',
  'validity_period',
  'status',
  'issuer_trust',
  'challenge',
  'domain',
  'holder_binding',
  'credentials',
  'related_resources',
] as const
export type CheckId = (typeof CHECK_ORDER)[number]

export type CheckStatus = 'passed' | 'failed' | 'skipped'

export interface CheckOutcome {
  readonly id: CheckId
  readonly status: CheckStatus
  /** Stable snake_case code for failed and skipped checks, e.g. `revoked`, `signature_invalid`, `status_list_unreachable` (reasons.ts). */
  readonly reason?: VerificationReason
  /** A sentence a person can act on. */
  readonly message?: string
  readonly details?: Readonly<Record<string, unknown>>
}

export interface VerificationReport {
  /** True iff no check failed and proof passed. "Could not check" is a failure, never a pass. */
  readonly verified: boolean
  readonly checks: readonly CheckOutcome[]
  /** The credential or presentation as decoded from its secured form (the JWT payload, not the unsecured wrapper). */
  readonly document?: Readonly<Record<string, unknown>>
  /** Reports for each credential inside a presentation. */
  readonly credentials?: readonly VerificationReport[]
}

export const passed = (id: CheckId, details?: Record<string, unknown>): CheckOutcome => ({
  id,
  status: 'passed',
  ...(details ? { details } : {}),
})
export const failed = (id: CheckId, reason: VerificationReason, message: string, details?: Record<string, unknown>): CheckOutcome => ({
  id,
  status: 'failed',
  reason,
  message,
  ...(details ? { details } : {}),
})
export const skipped = (id: CheckId, reason: VerificationReason, message: string): CheckOutcome => ({
  id,
  status: 'skipped',
  reason,
  message,
})

/** Orders checks canonically and derives `verified`. */
export function buildReport(checks: CheckOutcome[], extra: Omit<VerificationReport, 'verified' | 'checks'> = {}): VerificationReport {
  const sorted = [...checks].sort((a, b) => CHECK_ORDER.indexOf(a.id) - CHECK_ORDER.indexOf(b.id))
  const proofPassed = sorted.some((c) => c.id === 'proof' && c.status === 'passed')
  const verified = proofPassed && sorted.every((c) => c.status !== 'failed')
  return { verified, checks: sorted, ...extra }
}
