// POST /presentations/verify (W3C VC API): { verifiablePresentation, options: { challenge, domain?, holderBinding? } }.
import type { RequestHandler } from 'express'
import type { VerifierContext } from '../../core/verification/verifier-context.ts'
import { verifyPresentation, type ConsumeChallenge } from '../../core/verification/verify-presentation.ts'
import { validateRequest, type Valid } from '../../http/validate-request.ts'
import { describe } from '../../http/route-meta.ts'
import { sendReport } from './verify-response.ts'

export const presentationsVerifySchema = {
  type: 'object',
  required: ['verifiablePresentation', 'options'],
  properties: {
    // Any JSON value: what is not a presentation is the format check's to report, with its reason.
    verifiablePresentation: {
      description: 'the presentation: a compact vp+jwt, an EnvelopedVerifiablePresentation or JSON with a Data Integrity proof',
    },
    options: {
      type: 'object',
      required: ['challenge'],
      additionalProperties: false,
      'x-error-code': 'unknown_option_provided',
      properties: {
        // SECURITY.md #19: a presentation is only checked against a challenge: this verifier's (POST /challenges) or the relying party's own.
        challenge: {
          type: 'string',
          minLength: 1,
          maxLength: 512,
          'x-issue': 'is required: get one from POST /challenges, or pass the one your service gave the holder',
        },
        domain: { type: 'string', minLength: 1, maxLength: 512 },
        holderBinding: { type: 'boolean', description: 'require every credential to be about the holder' },
      },
    },
  },
} as const

type Body = Valid<typeof presentationsVerifySchema>

export const presentationsVerify = (ctx: VerifierContext, consume: ConsumeChallenge): RequestHandler[] => [
  validateRequest({ body: presentationsVerifySchema }),
  describe<RequestHandler>(
    async (req, res) => {
      const { verifiablePresentation, options: o } = req.body as Body
      const options = {
        challenge: o.challenge,
        ...(o.domain === undefined ? {} : { domain: o.domain }),
        ...(o.holderBinding ? { holderBinding: true } : {}),
      }
      sendReport(res, await verifyPresentation(verifiablePresentation, options, ctx, consume), 'presentation')
    },
    {
      summary: 'Verify a presentation and its credentials, against a challenge from POST /challenges (VC API) 核验可验证表述',
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
