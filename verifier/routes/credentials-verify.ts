// POST /credentials/verify (W3C VC API): { verifiableCredential, options? } → the verification report.
import type { RequestHandler } from 'express'
import { AppError } from '../../core/errors.ts'
import type { VerifierContext } from '../../core/verification/verifier-context.ts'
import { verifyCredential } from '../../core/verification/verify-credential.ts'
import { sendReport } from './verify-response.ts'

export const credentialsVerify = (ctx: VerifierContext): RequestHandler => async (req, res) => {
  const body = req.body as { verifiableCredential?: unknown; options?: unknown } | undefined
  if (!body || typeof body !== 'object' || Array.isArray(body) || body.verifiableCredential === undefined) {
    throw new AppError('invalid_request', 400, 'expected { "verifiableCredential": <credential or JWT> }')
  }
  if (body.options !== undefined && (typeof body.options !== 'object' || body.options === null || Object.keys(body.options).length)) {
    throw new AppError('unknown_option_provided', 400, 'no verification options are supported for credentials')
  }
  sendReport(res, await verifyCredential(body.verifiableCredential, ctx), 'credential')
}
