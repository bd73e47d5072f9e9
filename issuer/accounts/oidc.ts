// Signing in through the external OpenID Connect provider (production: the provincial unified identity service):
// authorization code flow with PKCE and a nonce, done by openid-client (discovery, the code exchange, and the ID token's
// issuer, audience, nonce and expiry). The sign-in's state lives in the database between its start and its callback, so
// any instance may receive the callback and it is taken exactly once; its PKCE verifier lives only in a cookie of the
// browser that began it, so a callback from another browser (login CSRF) or from a copy of the table gets nowhere.
import { createHash, timingSafeEqual } from 'node:crypto'
import * as client from 'openid-client'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import type { OidcConfig } from '../../core/config.ts'
import { AppError, InvalidRequestError } from '../../core/errors.ts'
import type { Accounts, NewSession } from './accounts.ts'
import { OidcLoginStore } from './oidc-login-store.ts'
import type { UserRecord } from './user-store.ts'

/** How long a begun sign-in waits for its callback (the person may have to type a password at the provider). */
export const OIDC_LOGIN_TTL_SECONDS = 600
/** Discovered provider metadata is reused this long (then fetched again, so a provider's changes are seen). */
const DISCOVERY_TTL_MS = 3_600_000
const RETURN_TO_MAX = 2048
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/

const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex')

/** The name of the cookie that holds one sign-in's PKCE verifier: one per sign-in, so two tabs do not clash. */
export const oidcCookieName = (state: string): string => `cb_oidc_${sha256hex(state).slice(0, 16)}`

/**
 * A path on the bank's own origin to return to after sign-in, or null for none. Anything that could leave the origin
 * (an absolute URL, `//host`, `/\host`, a scheme, control characters) is refused: an open redirect would let a phishing
 * link pass through the bank's sign-in.
 */
export function safeReturnTo(raw: string | undefined, publicUrl: URL): string | null {
  if (raw === undefined || raw === '') return null
  const refuse = (why: string) =>
    new InvalidRequestError(`returnTo must be a path on this site, like /wallet; ${why} (只能返回本站页面)`, [
      { path: '/query/returnTo', message: why },
    ])
  if (raw.length > RETURN_TO_MAX) throw refuse(`it is longer than ${RETURN_TO_MAX} characters`)
  // eslint-disable-next-line no-control-regex
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u0020\u007f]/.test(raw)) throw refuse('it is not a plain absolute path')
  const url = new URL(raw, publicUrl.origin)
  if (url.origin !== publicUrl.origin) throw refuse('it leaves this origin')
  return url.pathname + url.search + url.hash
}

export interface OidcBegun {
  /** Where to send the browser: the provider's authorization endpoint with the request. */
  readonly authorizationUrl: URL
  /** The cookie to set (httpOnly) so that the callback can prove it comes back to the same browser. */
  readonly cookie: { readonly name: string; readonly value: string; readonly maxAgeSeconds: number }
}

export interface OidcCallback {
  /** The callback's query parameters, as received. */
  readonly params: Readonly<Record<string, unknown>>
  /** The raw query string (with its `?`), for openid-client to read the authorization response from. */
  readonly search: string
  /** The browser's cookie of that name, if it sent one. */
  readonly cookie: (name: string) => string | undefined
}

export interface OidcSignedIn {
  readonly user: UserRecord
  readonly session: NewSession
  readonly created: boolean
  readonly returnTo: string | null
}

export interface OidcSignInDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly accounts: Accounts
  /** Undefined: OIDC sign-in is off and its routes answer 404 oidc_not_configured. */
  readonly config: OidcConfig | undefined
  readonly publicUrl: URL
  /** Timeout of each request to the provider (discovery, token, userinfo). */
  readonly timeoutMs: number
}

export class OidcSignIn {
  private readonly deps: OidcSignInDeps
  private discovered: { at: number; configuration: Promise<client.Configuration> } | undefined

  constructor(deps: OidcSignInDeps) {
    this.deps = deps
  }

  get enabled(): boolean {
    return this.deps.config !== undefined
  }

  private get settings(): OidcConfig {
    if (!this.deps.config)
      throw new AppError(
        'oidc_not_configured',
        'sign-in through an OpenID Connect provider is not set up here; sign in with a password (未启用统一身份认证登录)',
      )
    return this.deps.config
  }

  /** The provider's metadata, discovered once and kept for an hour; a failed discovery is tried again on the next sign-in. */
  private configuration(): Promise<client.Configuration> {
    const settings = this.settings
    const now = Date.now()
    if (this.discovered && now - this.discovered.at < DISCOVERY_TTL_MS) return this.discovered.configuration
    const configuration = client
      .discovery(
        settings.issuer,
        settings.clientId,
        undefined,
        settings.clientSecret === undefined ? client.None() : client.ClientSecretBasic(settings.clientSecret),
        {
          timeout: Math.max(1, Math.ceil(this.deps.timeoutMs / 1000)),
          ...(settings.allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
        },
      )
      .catch((err: unknown) => {
        this.discovered = undefined
        throw providerError(err, 'discovery')
      })
    this.discovered = { at: now, configuration }
    return configuration
  }

  /** Begins a sign-in: makes state, nonce and a PKCE verifier, keeps what the callback needs, and names the provider's URL. */
  async begin(returnTo: string | undefined): Promise<OidcBegun> {
    const settings = this.settings
    const back = safeReturnTo(returnTo, this.deps.publicUrl)
    const configuration = await this.configuration()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const verifier = client.randomPKCECodeVerifier()
    const codeChallenge = await client.calculatePKCECodeChallenge(verifier)
    const now = this.deps.clock()
    const store = new OidcLoginStore(this.deps.ds)
    await store.deleteExpired(now.toISOString())
    await store.insert({
      stateHash: sha256hex(state),
      nonce,
      codeChallenge,
      returnTo: back,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + OIDC_LOGIN_TTL_SECONDS * 1000).toISOString(),
    })
    const authorizationUrl = client.buildAuthorizationUrl(configuration, {
      redirect_uri: settings.redirectUri.href,
      scope: settings.scopes,
      state,
      nonce,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    })
    return { authorizationUrl, cookie: { name: oidcCookieName(state), value: verifier, maxAgeSeconds: OIDC_LOGIN_TTL_SECONDS } }
  }

  /**
   * Completes a sign-in at the callback: takes the state (once), checks that the same browser comes back, refuses what
   * the provider refused, exchanges the code with the PKCE verifier, lets openid-client validate the ID token, and signs
   * the person in (a learner account is made and linked by issuer and subject the first time).
   */
  async complete(callback: OidcCallback): Promise<OidcSignedIn> {
    const settings = this.settings
    const state = callback.params.state
    if (typeof state !== 'string' || !STATE_PATTERN.test(state)) throw stateInvalid('the callback carries no state this bank made')
    const login = await OidcLoginStore.take(this.deps.ds, sha256hex(state))
    if (!login) throw stateInvalid('this sign-in is unknown or was already completed')
    if (Date.parse(login.expiresAt) <= this.deps.clock().getTime()) throw stateInvalid('this sign-in took too long and expired')
    const verifier = callback.cookie(oidcCookieName(state))
    if (verifier === undefined || !sameText(await client.calculatePKCECodeChallenge(verifier), login.codeChallenge))
      throw stateInvalid('this sign-in was begun in another browser')
    const error = callback.params.error
    if (error !== undefined) {
      const code = typeof error === 'string' && /^[\x20-\x7e]{1,64}$/.test(error) ? error : 'an unreadable error'
      if (code === 'access_denied')
        throw new AppError(
          'oidc_access_denied',
          'the identity provider did not sign you in (access_denied): you declined, or it refused (身份提供方拒绝了登录)',
        )
      throw new AppError(
        'oidc_provider_error',
        `the identity provider answered ${code} instead of signing you in; try again (身份提供方登录失败)`,
      )
    }
    if (typeof callback.params.code !== 'string')
      throw new AppError(
        'oidc_provider_error',
        'the identity provider came back without an authorization code; try again (身份提供方未返回授权码)',
      )

    const configuration = await this.configuration()
    const currentUrl = new URL(settings.redirectUri)
    currentUrl.search = callback.search
    const claims = await this.exchange(configuration, currentUrl, { verifier, state, nonce: login.nonce })
    const { user, session, created } = await this.deps.accounts.signInExternal({
      provider: configuration.serverMetadata().issuer,
      subject: claims.sub,
      displayName: claims.name ?? claims.preferredUsername ?? '',
      ...(claims.preferredUsername !== undefined ? { suggestedUsername: claims.preferredUsername } : {}),
    })
    return { user, session, created, returnTo: login.returnTo }
  }

  /** The code exchange and the ID token's checks (openid-client), then the person's name (from userinfo if the ID token lacks it). */
  private async exchange(
    configuration: client.Configuration,
    currentUrl: URL,
    checks: { verifier: string; state: string; nonce: string },
  ): Promise<{ sub: string; name?: string; preferredUsername?: string }> {
    try {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      })
      const idToken = tokens.claims()
      if (!idToken) throw new AppError('oidc_token_failed', 'the identity provider sent no ID token (身份提供方未返回身份令牌)')
      const sub = idToken.sub
      if (sub.length > 255) throw new AppError('oidc_token_failed', 'the ID token names its subject with more than 255 characters')
      let name = text(idToken.name)
      let preferredUsername = text(idToken.preferred_username)
      // A provider that follows OIDC Core 5.4 puts profile claims in the UserInfo response, not in a code flow's ID token.
      if (name === undefined && preferredUsername === undefined && configuration.serverMetadata().userinfo_endpoint) {
        const info = await client.fetchUserInfo(configuration, tokens.access_token, sub)
        name = text(info.name)
        preferredUsername = text(info.preferred_username)
      }
      return { sub, ...(name !== undefined ? { name } : {}), ...(preferredUsername !== undefined ? { preferredUsername } : {}) }
    } catch (err) {
      if (err instanceof AppError) throw err
      throw providerError(err, 'token')
    }
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : undefined)

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const stateInvalid = (why: string) =>
  new AppError('oidc_state_invalid', `${why}; start the sign-in again from the bank's page (登录状态无效或已过期，请重新登录)`)

/** Whether an error from openid-client is the provider being unreachable or too slow (not its answer being wrong). */
function isUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true
    if (e instanceof TypeError && e.message === 'fetch failed') return true
    if (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_\w+)$/.test(String((e as { code?: unknown }).code)))
      return true
  }
  return false
}

/**
 * openid-client's failures as our codes: the provider out of reach is 503 oidc_unavailable; at discovery anything else
 * (a malformed document, an issuer that does not match) is the provider's configuration, also oidc_unavailable; at the
 * token step (invalid_grant, a wrong nonce, issuer or audience, an expired ID token) it is 401 oidc_token_failed.
 */
function providerError(err: unknown, step: 'discovery' | 'token'): AppError {
  if (err instanceof AppError) return err
  const detail = err instanceof client.ResponseBodyError ? err.error : ((err as { code?: unknown })?.code ?? (err as Error)?.name)
  const what = /^[\w.-]{1,64}$/.test(String(detail)) ? ` (${String(detail)})` : ''
  if (step === 'discovery' || isUnreachable(err))
    return new AppError('oidc_unavailable', `the identity provider cannot be reached or described itself wrongly${what}; try again later`, {
      cause: err,
      headers: { 'Retry-After': '30' },
    })
  return new AppError(
    'oidc_token_failed',
    `the identity provider's answer could not be accepted${what}; start the sign-in again (身份令牌校验失败，请重新登录)`,
    {
      cause: err,
    },
  )
}
