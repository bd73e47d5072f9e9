// POST /presentations/verify (W3C VC API): { verifiablePresentation, options: { challenge, domain?, holderBinding? } }.
import type { RequestHandler } from 'express'
import { AppError } from '../../core/errors.ts'
import type { VerifierContext } from '../../core/verification/verifier-context.ts'
import { verifyPresentation, type ConsumeChallenge } from '../../core/verification/verify-presentation.ts'
import { sendReport } from './verify-response.ts'

const OPTIONS = new Set(['challenge', 'domain', 'holderBinding'])

export const presentationsVerify = (ctx: VerifierContext, consume: ConsumeChallenge): RequestHandler => async (req, res) => {
  const body = req.body as { verifiablePresentation?: unknown; options?: Record<string, unknown> } | undefined
  if (!body || typeof body !== 'object' || body.verifiablePresentation === undefined) throw new AppError('invalid_request', 'expected { "verifiablePresentation": …, "options": { "challenge": … } }')
  const o = body.options
  // SECURITY.md #19: a presentation is only checked against a challenge: this verifier's (POST /challenges) or the relying party's own.
  if (!o || typeof o !== 'object' || typeof o.challenge !== 'string' || !o.challenge) {
    throw new AppError('invalid_request', 'options.challenge is required: get one from POST /challenges, or pass the one your service gave the holder', { issues: [{ path: '/options/challenge', message: 'required' }] })
  }
  const unknown = Object.keys(o).filter((k) => !OPTIONS.has(k))
  if (unknown.length) throw new AppError('unknown_option_provided', `unknown option(s): ${unknown.join(', ')}; supported: ${[...OPTIONS].join(', ')}`)
  if (o.domain !== undefined && typeof o.domain !== 'string') throw new AppError('invalid_request', 'options.domain must be a string')
  if (o.holderBinding !== undefined && typeof o.holderBinding !== 'boolean') throw new AppError('invalid_request', 'options.holderBinding must be true or false')
  const options = { challenge: o.challenge, ...(typeof o.domain === 'string' ? { domain: o.domain } : {}), ...(o.holderBinding === true ? { holderBinding: true } : {}) }
  sendReport(res, await verifyPresentation(body.verifiablePresentation, options, ctx, consume), 'presentation')
}
