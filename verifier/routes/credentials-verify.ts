// POST /credentials/verify (W3C VC API): { verifiableCredential, options?: { checks? } } → the verification report.
import type { RequestHandler } from 'express'
import type { VerifierContext } from '../../core/verification/verifier-context.ts'
import { OPTIONAL_CREDENTIAL_CHECKS, verifyCredential, type OptionalCredentialCheck } from '../../core/verification/verify-credential.ts'
import { validateRequest, type Valid } from '../../http/validate-request.ts'
import { describe } from '../../http/route-meta.ts'
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

export const credentialsVerifySchema = {
  type: 'object',
  required: ['verifiableCredential'],
  properties: {
    // Any JSON value: what is not a credential is the format check's to report, with its reason.
    verifiableCredential: { description: 'the credential: a compact JWT, an EnvelopedVerifiableCredential or a secured JSON credential' },
    options: {
      type: 'object',
      additionalProperties: false,
      'x-error-code': 'unknown_option_provided',
      properties: { checks: { type: 'array', items: { enum: Object.keys(CHECK_NAMES) }, description: 'the checks to run; default all' } },
    },
  },
} as const

type Body = Valid<typeof credentialsVerifySchema>

export const credentialsVerify = (ctx: VerifierContext): RequestHandler[] => [
  validateRequest({ body: credentialsVerifySchema }),
  describe<RequestHandler>(
    async (req, res) => {
      const { verifiableCredential, options } = req.body as Body
      const checks = options?.checks?.map((name) => CHECK_NAMES[name]!).filter((c): c is OptionalCredentialCheck => c !== 'always')
      sendReport(res, await verifyCredential(verifiableCredential, ctx, checks ? { checks: new Set(checks) } : {}), 'credential')
    },
    {
      summary: 'Verify a credential (VC API) 核验凭证',
      responses: {
        '200': { description: 'Verified: the report of every check 已通过核验：检查报告', content: { 'application/json': {} } },
        '400': {
          description: 'Not verified: the whole report, problemDetails naming each failed check (VC API) 未通过核验：完整报告',
          content: { 'application/json': {} },
        },
        '503': {
          description: 'The verifier is too busy to check it (verifier_busy): the report, and Retry-After 服务繁忙',
          content: { 'application/json': {} },
        },
      },
    },
  ),
]
