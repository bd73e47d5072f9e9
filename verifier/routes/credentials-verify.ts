// POST /credentials/verify (W3C VC API): { verifiableCredential, options?: { checks? } } → the verification report.
import type { RequestHandler } from 'express'
import { AppError, type Issue } from '../../core/errors.ts'
import type { VerifierContext } from '../../core/verification/verifier-context.ts'
import { OPTIONAL_CREDENTIAL_CHECKS, verifyCredential, type OptionalCredentialCheck } from '../../core/verification/verify-credential.ts'
import { sendReport } from './verify-response.ts'

/**
 * Names a caller may put in `options.checks`: the VC API's (`proof`, `credentialStatus`, `expiration`) and our check
 * ids. Format, schema and proof always run, so naming them changes nothing; an optional check left out is reported
 * as skipped (`not_requested`).
 */
const CHECK_NAMES: Readonly<Record<string, OptionalCredentialCheck | 'always'>> = {
  proof: 'always',
  format: 'always',
  schema: 'always',
  credentialStatus: 'status',
  expiration: 'validity_period',
  ...Object.fromEntries(OPTIONAL_CREDENTIAL_CHECKS.map((id) => [id, id])),
}

export const credentialsVerify = (ctx: VerifierContext): RequestHandler => async (req, res) => {
  const body = req.body as { verifiableCredential?: unknown; options?: unknown } | undefined
  if (!body || typeof body !== 'object' || Array.isArray(body) || body.verifiableCredential === undefined) {
    throw new AppError('invalid_request', 'expected { "verifiableCredential": <credential or JWT> }')
  }
  sendReport(res, await verifyCredential(body.verifiableCredential, ctx, { ...parseChecks(body.options) }), 'credential')
}

function parseChecks(options: unknown): { checks?: ReadonlySet<OptionalCredentialCheck> } {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new AppError('invalid_request', 'options must be an object', { issues: [{ path: '/options', message: 'expected an object' }] })
  const unknown = Object.keys(options).filter((k) => k !== 'checks')
  if (unknown.length) throw new AppError('unknown_option_provided', `unknown option(s): ${unknown.join(', ')}; supported: checks`)
  const { checks } = options as { checks?: unknown }
  if (checks === undefined) return {}
  if (!Array.isArray(checks)) throw new AppError('invalid_request', 'options.checks must be an array of check names', { issues: [{ path: '/options/checks', message: 'expected an array' }] })
  const issues: Issue[] = []
  const chosen = new Set<OptionalCredentialCheck>()
  checks.forEach((name: unknown, i) => {
    const check = typeof name === 'string' ? CHECK_NAMES[name] : undefined
    if (check === undefined) issues.push({ path: `/options/checks/${i}`, message: `not a check this verifier runs; known: ${Object.keys(CHECK_NAMES).join(', ')}` })
    else if (check !== 'always') chosen.add(check)
  })
  if (issues.length) throw new AppError('invalid_request', 'options.checks names a check this verifier does not know', { issues })
  return { checks: chosen }
}
