// The signed-in person's own data. GET /me: the account, real-name status (masked) and consents. GET /me/export: all
// of a learner's personal data as one JSON download. POST /me/close: close the account (PIPL). GET /privacy-notice:
// the notice (个人信息处理规则) a consent names by version and digest (public).
import type { RequestHandler } from 'express'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { userJson, type Accounts } from '../accounts.ts'
import { clearSessionCookie } from '../authorize.ts'
import { consentJson, type LearnerIdentity } from '../identity.ts'
import { NOTICE_DIGEST, PRIVACY_NOTICE, privacyNoticeJson } from '../personal-data-notice.ts'
import type { PersonalDataRights } from '../personal-data-rights.ts'
import { actorOf } from '../principal.ts'
import { consentSchema, identityStatusSchema } from './identity.ts'

export const closeAccountSchema = {
  body: {
    type: 'object',
    required: ['confirm'],
    additionalProperties: false,
    properties: {
      confirm: { type: 'boolean', description: 'must be true: closing cannot be undone' },
      password: {
        type: 'string',
        minLength: 1,
        maxLength: 512,
        description: 'the password; without it, a session opened in the last 10 minutes',
      },
    },
  },
} as const

function userOf(req: Parameters<RequestHandler>[0]) {
  const principal = req.principal!
  if (principal.kind !== 'user') throw new Error('this route is for people')
  return principal
}

export const privacyNotice: RequestHandler = describe(
  (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=300', ETag: `"${NOTICE_DIGEST}"` }).json(privacyNoticeJson())
  },
  {
    summary: 'The privacy notice (个人信息处理规则) in zh and en, with its version and SHA-256 digest',
    responses: { '200': { description: 'the current notice; a consent names its version', content: { 'application/json': {} } } },
  },
)

export const meRead = (accounts: Accounts, identity: LearnerIdentity): RequestHandler =>
  describe(
    async (req, res) => {
      const principal = userOf(req)
      const user = await accounts.get(principal.id)
      res.set('Cache-Control', 'no-store').json({
        user: userJson(user),
        identity: await identity.status(principal.id),
        consents: (await identity.consents(principal.id)).map(consentJson),
        notice: { version: PRIVACY_NOTICE.version, digest: NOTICE_DIGEST },
      })
    },
    {
      summary: 'Me: my account, real-name status (masked) and consents',
      responses: {
        '200': {
          description: 'identity is null until real-name verification',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['user', 'identity', 'consents', 'notice'],
                properties: {
                  user: { type: 'object' },
                  identity: { anyOf: [identityStatusSchema, { type: 'null' }] },
                  consents: { type: 'array', items: consentSchema },
                  notice: { type: 'object', properties: { version: { type: 'string' }, digest: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  )

export const meExport = (rights: PersonalDataRights): RequestHandler =>
  describe(
    async (req, res) => {
      const principal = userOf(req)
      const data = await rights.export(principal.id)
      req.log.info('personal data exported', { user: principal.id })
      res
        .set({
          'Cache-Control': 'no-store',
          'Content-Disposition': `attachment; filename="credit-bank-personal-data-${data.exportedAt.slice(0, 10)}.json"`,
        })
        .type('application/json')
        .send(JSON.stringify(data, null, 2))
    },
    {
      summary: 'Download everything the bank holds about me (PIPL), as one JSON file',
      responses: {
        '200': {
          description:
            'account, identity (in the clear: it is yours), consents, session dates, OIDC links, outcomes, deposits, audit entries about you',
          headers: { 'Content-Disposition': 'attachment; filename="credit-bank-personal-data-<date>.json"' },
          content: { 'application/json': {} },
        },
      },
    },
  )

export const meClose = (rights: PersonalDataRights, publicUrl: URL): RequestHandler[] => [
  validateRequest(closeAccountSchema),
  describe(
    async (req, res) => {
      const principal = userOf(req)
      const body = req.body as Valid<typeof closeAccountSchema.body>
      const closed = await rights.close(principal.id, principal.sessionId, body, actorOf(principal))
      req.log.info('account closed', { user: principal.id })
      clearSessionCookie(res, publicUrl)
      res.set('Cache-Control', 'no-store').json(closed)
    },
    {
      summary: 'Close my account (注销): personal data erased or anonymized; credentials and the audit chain kept',
      responses: {
        '200': {
          description: 'closed: what was erased and what is kept; the session cookie is cleared',
          headers: { 'Set-Cookie': 'cb_session cleared' },
          content: { 'application/json': {} },
        },
      },
      errors: ['confirmation_required', 'invalid_credentials', 'reauthentication_required', 'account_closed'],
    },
  ),
]
