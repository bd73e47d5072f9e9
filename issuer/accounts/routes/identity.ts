// Real-name verification over HTTP. POST /me/identity: a learner verifies their name and resident identity number with
// their consent to the privacy notice (answers show the number masked only). GET /users/{id}/identity: a reviewer or
// admin reads a learner's full number; every read is audited.
import type { RequestHandler } from 'express'
import { nonBlankText } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
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

/** What answers show of a verified identity: masked only. */
export const identityStatusSchema = {
  type: 'object',
  required: ['verified', 'idNumberMasked', 'nameMasked', 'verifier', 'verifiedAt'],
  properties: {
    verified: { const: true },
    idNumberMasked: { type: 'string', examples: ['3201**********123X'] },
    nameMasked: { type: 'string', examples: ['张*'] },
    verifier: { type: 'string', description: 'which identity verifier confirmed it' },
    verifiedAt: { type: 'string', format: 'date-time' },
  },
} as const

export const consentSchema = {
  type: 'object',
  required: ['id', 'purpose', 'noticeVersion', 'noticeDigest', 'grantedAt', 'withdrawnAt'],
  properties: {
    id: { type: 'string' },
    purpose: { const: 'real_name_verification' },
    noticeVersion: { type: 'string' },
    noticeDigest: { type: 'string', description: 'SHA-256 (hex) of the notice agreed to' },
    grantedAt: { type: 'string', format: 'date-time' },
    withdrawnAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const

export const identityVerify = (identity: LearnerIdentity): RequestHandler[] => [
  validateRequest(identityVerifySchema),
  describe(
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
    {
      summary: 'Real-name verification (实名认证) with consent to the privacy notice',
      description: 'The number is stored encrypted and found by a keyed hash: one person, one account. Answers show it masked only.',
      responses: {
        '201': {
          description: 'verified: the identity (masked) and the consent recorded',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['identity', 'consent'],
                properties: { identity: identityStatusSchema, consent: consentSchema },
              },
            },
          },
        },
      },
      errors: [
        'consent_required',
        'notice_outdated',
        'id_number_format',
        'id_number_checksum',
        'id_number_region',
        'id_number_birth_date',
        'identity_mismatch',
        'identity_already_verified',
        'identity_already_registered',
        'identity_service_unavailable',
        'rate_limited',
      ],
    },
  ),
]

export const learnerIdentityRead = (identity: LearnerIdentity): RequestHandler[] => [
  validateRequest(userParams),
  describe(
    async (req, res) => {
      const principal = req.principal!
      const userId = String(req.params.id)
      const revealed = await identity.readForStaff(userId, actorOf(principal))
      req.log.info('identity number read', { user: userId, by: principal.id })
      res.set('Cache-Control', 'no-store').json(revealed)
    },
    {
      summary: "A learner's full identity number and name (every read is audited: identity_number_read)",
      responses: {
        '200': {
          description: 'the identity in the clear',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['userId', 'name', 'idNumber', 'idNumberMasked', 'verifier', 'verifiedAt'],
                properties: {
                  userId: { type: 'string' },
                  name: { type: 'string' },
                  idNumber: { type: 'string' },
                  idNumberMasked: { type: 'string' },
                  verifier: { type: 'string' },
                  verifiedAt: { type: 'string', format: 'date-time' },
                },
              },
            },
          },
        },
      },
      errors: ['not_found'],
    },
  ),
]
