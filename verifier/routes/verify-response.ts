// Shapes a verification report as the VC API response: 200 when the input was readable, 400 when it was not.
import type { Response } from 'express'
import type { VerificationReport } from '../../core/verification/report.ts'

export function sendReport(res: Response, report: VerificationReport, documentField: 'credential' | 'presentation'): void {
  const unreadable = report.checks.some((c) => (c.id === 'format' || c.id === 'schema') && c.status === 'failed')
  const problemDetails = report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => ({ type: `urn:credit-bank:check:${c.id}`, code: c.reason, title: c.message }))
  const { document, ...rest } = report
  res.status(unreadable ? 400 : 200).json({ ...rest, problemDetails, ...(document ? { [documentField]: document } : {}) })
}
