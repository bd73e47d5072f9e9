// Real-name verification over HTTP. POST /me/identity: a learner verifies their name and resident identity number with
// their consent to the privacy notice (answers show the number masked only). GET /users/{id}/identity: a reviewer or
// admin reads a learner's full number; every read is audited.
import type { RequestHandler } from 'express'
import { nonBlankText } from '../../../core/json-schema.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { consentJson, type LearnerIdentity } from '../identity.ts'
import { actorOf } from '../principal.ts'

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

export const identityVerifySchema = {
  body: {
    type: 'object',
    required: ['name', 'idNumber'],
    additionalProperties: false,
    properties: {
      name: { ...nonBlankText(100), description: 'the name as on the identity card' },
      // Checked by the use case (GB 11643), so a wrong number gets its own id_number_* code, not a schema message.
      idNumber: { type: 'string', maxLength: 64, description: 'the 18-character resident identity number (GB 11643)' },
      consent: {
        type: 'object',
        additionalProperties: false,
        description: 'the privacy notice agreed to; absent: 400 consent_required',
        properties: { noticeVersion: { type: 'string', maxLength: 32, description: 'the version of GET /privacy-notice' } },
      },
    },
  },
} as const

const userParams = { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID } } } } as const

export const identityVerify = (identity: LearnerIdentity): RequestHandler[] => [
  validateRequest(identityVerifySchema),
  async (req, res) => {
    const principal = req.principal!
    if (principal.kind !== 'user') throw new Error('identity.verify is for people')
    const body = req.body as Valid<typeof identityVerifySchema.body>
    const { identity: status, consent } = await identity.verify(principal.id, body, actorOf(principal))
    req.log.info('real-name verified', { user: principal.id, verifier: status.verifier })
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ identity: status, consent: consentJson(consent) })
  },
]

export const learnerIdentityRead = (identity: LearnerIdentity): RequestHandler[] => [
  validateRequest(userParams),
  async (req, res) => {
    const principal = req.principal!
    const userId = String(req.params.id)
    const revealed = await identity.readForStaff(userId, actorOf(principal))
    req.log.info('identity number read', { user: userId, by: principal.id })
    res.set('Cache-Control', 'no-store').json(revealed)
  },
]
