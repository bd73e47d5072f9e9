// Shapes a verification report as the VC API response: 200 when verified, 400 with the full report otherwise.
import type { Response } from 'express'
import type { VerificationReport } from '../../core/verification/report.ts'

/**
 * The VC API and the W3C test suites answer anything that does not verify (unreadable, tampered, revoked, expired)
 * with an error status and the whole report as the body: a client that looks only at the status code is safe, and
 * one that reads the body (the wallet, the CLI) sees every check and why.
 */
export function sendReport(res: Response, report: VerificationReport, documentField: 'credential' | 'presentation'): void {
  const problemDetails = report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => ({ type: `urn:credit-bank:check:${c.id}`, code: c.reason, title: c.message }))
  const { document, ...rest } = report
  // A verifier too busy to canonicalize said nothing about the credential: 503, so that a client tries again.
  const busy = JSON.stringify(report.checks).includes('"verifier_busy"')
  if (busy) res.set('Retry-After', '1')
  res.status(report.verified ? 200 : busy ? 503 : 400).json({ ...rest, problemDetails, ...(document ? { [documentField]: document } : {}) })
}
