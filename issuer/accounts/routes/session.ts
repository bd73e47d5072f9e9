// Signing in and out over HTTP. POST /accounts: a learner registers (and is signed in). POST /session: sign in with a
// password. GET /session: who is signed in and the CSRF token. DELETE /session: sign out. PUT /session/password.
// OpenID Connect sign-in has its own routes (oidc.ts).
import type { RequestHandler } from 'express'
import { nonBlankText } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { userJson, USERNAME_PATTERN, type Accounts, type NewSession } from '../accounts.ts'
import { clearSessionCookie, CSRF_HEADER, setSessionCookie } from '../authorize.ts'
import { PASSWORD_MAX } from '../passwords.ts'
import type { UserRecord } from '../user-store.ts'

const username = { type: 'string', pattern: USERNAME_PATTERN, 'x-issue': '3 to 64 letters, digits, dots, dashes or underscores' } as const
const password = { type: 'string', minLength: 1, maxLength: PASSWORD_MAX * 4 } as const

export const registerSchema = {
  body: {
    type: 'object',
    required: ['username', 'password', 'displayName'],
    additionalProperties: false,
    properties: { username, password, displayName: nonBlankText(200) },
  },
} as const

export const signInSchema = {
  body: { type: 'object', required: ['username', 'password'], additionalProperties: false, properties: { username, password } },
} as const

export const passwordChangeSchema = {
  body: {
    type: 'object',
    required: ['currentPassword', 'newPassword'],
    additionalProperties: false,
    properties: { currentPassword: password, newPassword: password },
  },
} as const

/** The body of every sign-in answer: the account and what a page needs to make changes (the CSRF token). */
export const sessionJson = (user: UserRecord, session: { csrfToken: string; expiresAt: string; method: string }) => ({
  user: userJson(user),
  csrfToken: session.csrfToken,
  csrfHeader: CSRF_HEADER,
  expiresAt: session.expiresAt,
  method: session.method,
})

const signedIn = (res: Parameters<RequestHandler>[1], user: UserRecord, session: NewSession, publicUrl: URL, status = 200) => {
  setSessionCookie(res, session, publicUrl)
  res.status(status).set('Cache-Control', 'no-store').json(sessionJson(user, session.record))
}

const SET_COOKIE = { 'Set-Cookie': 'cb_session: the session cookie (httpOnly, SameSite=Lax)' }

export const accountsRegister = (accounts: Accounts, publicUrl: URL): RequestHandler[] => [
  validateRequest(registerSchema),
  describe(
    async (req, res) => {
      const body = req.body as Valid<typeof registerSchema.body>
      const { user, session } = await accounts.register(body)
      req.log.info('learner registered', { user: user.id })
      signedIn(res, user, session, publicUrl, 201)
    },
    {
      summary: 'A learner registers (学习者注册) and is signed in',
      responses: {
        '201': {
          description: 'registered and signed in: the account and the CSRF token',
          headers: SET_COOKIE,
          content: { 'application/json': {} },
        },
      },
      errors: ['username_taken', 'rate_limited'],
    },
  ),
]

export const sessionCreate = (accounts: Accounts, publicUrl: URL): RequestHandler[] => [
  validateRequest(signInSchema),
  describe(
    async (req, res) => {
      const body = req.body as Valid<typeof signInSchema.body>
      const { user, session } = await accounts.signInWithPassword(body.username, body.password)
      req.log.info('signed in', { user: user.id, method: 'password' })
      signedIn(res, user, session, publicUrl)
    },
    {
      summary: 'Sign in with a password (登录)',
      responses: {
        '200': { description: 'signed in: the account and the CSRF token', headers: SET_COOKIE, content: { 'application/json': {} } },
      },
      errors: ['invalid_credentials', 'account_locked', 'rate_limited'],
    },
  ),
]

export const sessionRead =
  (accounts: Accounts): RequestHandler =>
  async (req, res) => {
    const principal = req.principal!
    if (principal.kind !== 'user') throw new Error('session.read is for people')
    const user = await accounts.get(principal.id)
    const session = await accounts.session(principal.sessionId)
    res.set('Cache-Control', 'no-store').json(sessionJson(user, session))
  }

export const sessionDelete =
  (accounts: Accounts, publicUrl: URL): RequestHandler =>
  async (req, res) => {
    const principal = req.principal!
    if (principal.kind === 'user') await accounts.signOut(principal.sessionId)
    clearSessionCookie(res, publicUrl)
    res.status(204).end()
  }

export const passwordChange = (accounts: Accounts): RequestHandler[] => [
  validateRequest(passwordChangeSchema),
  describe(
    async (req, res) => {
      const principal = req.principal!
      if (principal.kind !== 'user') throw new Error('password changes are for people')
      const body = req.body as Valid<typeof passwordChangeSchema.body>
      await accounts.changePassword(principal.id, body.currentPassword, body.newPassword, principal.sessionId)
      req.log.info('password changed', { user: principal.id })
      res.status(204).end()
    },
    {
      summary: 'Change my password (修改密码); my other sessions end',
      responses: { '204': { description: 'changed' } },
      errors: ['invalid_credentials', 'rate_limited'],
    },
  ),
]
