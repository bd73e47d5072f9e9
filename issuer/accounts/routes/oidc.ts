// Signing in through the external OpenID Connect provider over HTTP. GET /session/oidc?returnTo=/path: begins (302 to the
// provider). GET /session/oidc/callback: where the provider sends the browser back; signs in and sets the session cookie,
// then 302 to returnTo (or the bank's root), or answers like POST /session when asked for JSON.
import type { RequestHandler, Response } from 'express'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { cookieOf, setSessionCookie } from '../authorize.ts'
import { oidcCookieName, type OidcSignIn } from '../oidc.ts'
import { sessionJson } from './session.ts'

const param = { type: 'string', maxLength: 2048 } as const

export const oidcBeginSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { returnTo: { ...param, 'x-issue': 'a path on this site to go to after signing in, like /wallet' } },
  },
} as const

/** The authorization response (RFC 6749 4.1.2, RFC 9207 iss); providers may add parameters of their own. */
export const oidcCallbackSchema = {
  query: {
    type: 'object',
    properties: { state: param, code: param, iss: param, error: param, error_description: param, error_uri: param },
  },
} as const

/** The path the PKCE cookie is sent on: the callback's, under the bank's public path. */
const cookiePath = (publicUrl: URL) => `${publicUrl.pathname.replace(/\/$/, '')}/session/oidc`

function noStore(res: Response): Response {
  return res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
}

export const oidcBegin = (oidc: OidcSignIn, publicUrl: URL): RequestHandler[] => [
  validateRequest(oidcBeginSchema),
  describe(
    async (req, res) => {
      const query = req.query as Valid<typeof oidcBeginSchema.query>
      const { authorizationUrl, cookie } = await oidc.begin(query.returnTo)
      // SameSite=Lax, not Strict: the provider sends the browser back with a top-level GET from its own site.
      res.cookie(cookie.name, cookie.value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: publicUrl.protocol === 'https:',
        path: cookiePath(publicUrl),
        maxAge: cookie.maxAgeSeconds * 1000,
      })
      noStore(res).redirect(302, authorizationUrl.href)
    },
    {
      summary: 'Sign in through the OpenID Connect provider (统一身份认证登录): go to the provider',
      description:
        "Begins the authorization code flow with PKCE: 302 to the provider's authorization endpoint, with an httpOnly cookie " +
        'that the callback needs (open it in the browser that will come back). returnTo: a path on this site to go to after signing in.',
      responses: { '302': { description: "to the provider's authorization endpoint", headers: { Location: 'the authorization request' } } },
      errors: ['oidc_not_configured', 'oidc_unavailable'],
    },
  ),
]

export const oidcCallback = (oidc: OidcSignIn, publicUrl: URL): RequestHandler[] => [
  validateRequest(oidcCallbackSchema),
  describe(
    async (req, res) => {
      const query = req.query as Valid<typeof oidcCallbackSchema.query>
      const at = req.originalUrl.indexOf('?')
      // The PKCE cookie is for one callback only, whatever happens to it.
      if (typeof query.state === 'string' && oidc.enabled)
        res.clearCookie(oidcCookieName(query.state), {
          httpOnly: true,
          sameSite: 'lax',
          secure: publicUrl.protocol === 'https:',
          path: cookiePath(publicUrl),
        })
      const { user, session, created, returnTo } = await oidc.complete({
        params: query,
        search: at < 0 ? '' : req.originalUrl.slice(at),
        cookie: (name) => cookieOf(req, name),
      })
      req.log.info('signed in', { user: user.id, method: 'oidc', created })
      setSessionCookie(res, session, publicUrl)
      noStore(res)
      if (req.accepts(['text/html', 'application/json']) === 'application/json') return void res.json(sessionJson(user, session.record))
      // returnTo is a path checked when the sign-in began (oidc.ts safeReturnTo): it stays on this origin.
      res.redirect(302, publicUrl.origin + (returnTo ?? publicUrl.pathname))
    },
    {
      summary: "The OpenID Connect provider's redirect back: signs in and sets the session cookie",
      description:
        'The provider sends the browser here. A learner account is made on the first sign-in and found again by issuer and ' +
        'subject. 302 to returnTo (or the bank), or with Accept: application/json the answer of POST /session.',
      responses: {
        '200': { description: 'signed in (Accept: application/json): the account and the CSRF token, as POST /session answers' },
        '302': {
          description: 'signed in: to returnTo, or the bank',
          headers: { Location: 'returnTo', 'Set-Cookie': 'the session cookie' },
        },
      },
      errors: [
        'oidc_not_configured',
        'oidc_state_invalid',
        'oidc_access_denied',
        'oidc_provider_error',
        'oidc_token_failed',
        'oidc_unavailable',
      ],
    },
  ),
]
