// Signing in through an external OpenID Connect provider (issue 7 item 1): a real provider (oidc-provider) on loopback,
// the whole authorization code flow with PKCE driven over HTTP as a browser does it, and what an attacker would try
// (a forged or replayed state, another browser's callback, a code for another client, a wrong nonce, an open redirect).
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { agentFrom, request, sessionCookieOf, type Answer } from '../../fixtures/accounts.ts'
import { startOidcProvider, TestBrowser, type TestOidcProvider } from '../../fixtures/oidc-provider.ts'
import type { ClientMetadata } from 'oidc-provider'
import { assertProblem, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

const CLIENT_ID = 'credit-bank'
const CLIENT_SECRET = 'a-client-secret-for-the-bank-at-the-test-provider'
const PEOPLE = {
  'person-zhang': { name: '张三', preferredUsername: 'zhangsan' },
  'person-li': { preferredUsername: 'li.si' },
}

interface SessionBody {
  user: { id: string; username: string; role: 'learner'; displayName: string }
  csrfToken: string
  method: string
}

/** The problem body of a plain fetch answer, for assertProblem. */
async function problemOf(res: Response): Promise<{ status: number; headers: Headers; body: unknown }> {
  return { status: res.status, headers: res.headers, body: await res.json() }
}

describe('sign-in through an OpenID Connect provider', function () {
  let idp: TestOidcProvider
  let sys: TestSystem
  let callbackUrl: string

  before(async () => {
    idp = await startOidcProvider(PEOPLE)
    sys = await startTestSystem({ CB_OIDC_ISSUER: idp.issuer, CB_OIDC_CLIENT_ID: CLIENT_ID, CB_OIDC_CLIENT_SECRET: CLIENT_SECRET })
    callbackUrl = `${sys.issuerUrl}/session/oidc/callback`
    const client: Partial<ClientMetadata> = { redirect_uris: [callbackUrl], grant_types: ['authorization_code'], response_types: ['code'] }
    idp.configure([
      { ...client, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
      { ...client, client_id: 'another-client', client_secret: 'another-secret-at-the-provider' },
    ])
  })
  after(async () => {
    await sys?.close()
    await idp?.close()
  })
  beforeEach(() => {
    idp.signInAs = 'person-zhang'
    idp.deny = false
  })

  const isCallback = (u: URL) => u.href.startsWith(callbackUrl)

  /** GET /session/oidc in `browser`: the bank's redirect to the provider's authorization endpoint. */
  async function begin(browser: TestBrowser, query = ''): Promise<URL> {
    const res = await browser.get(`${sys.issuerUrl}/session/oidc${query}`)
    assert.equal(res.status, 302, await res.text())
    assert.equal(res.headers.get('cache-control'), 'no-store')
    return new URL(res.headers.get('location')!)
  }

  /** Begins at the bank and goes through the provider's login and consent: the provider's redirect to the callback. */
  async function throughProvider(browser: TestBrowser, query = ''): Promise<URL> {
    return browser.followUntil((await begin(browser, query)).href, isCallback)
  }

  it('signs a person in with the code flow and PKCE, makes a learner account once, and finds it again by issuer and subject', async () => {
    const browser = new TestBrowser()
    const authorization = await begin(browser)
    assert.equal(authorization.origin, idp.issuer)
    const params = authorization.searchParams
    assert.equal(params.get('client_id'), CLIENT_ID)
    assert.equal(params.get('response_type'), 'code')
    assert.equal(params.get('redirect_uri'), callbackUrl)
    assert.equal(params.get('scope'), 'openid profile')
    assert.equal(params.get('code_challenge_method'), 'S256')
    assert.match(params.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/)
    assert.match(params.get('state')!, /^[A-Za-z0-9_-]{43}$/)
    assert.match(params.get('nonce')!, /^[A-Za-z0-9_-]{43}$/)

    const callback = await browser.followUntil(authorization.href, isCallback)
    assert.equal(callback.searchParams.get('state'), params.get('state'))
    assert.equal(callback.searchParams.get('iss'), idp.issuer)
    const done = await browser.get(callback.href, { accept: 'application/json' })
    const body = (await done.json()) as SessionBody
    assert.equal(done.status, 200, JSON.stringify(body))
    assert.equal(done.headers.get('cache-control'), 'no-store')
    assert.equal(body.method, 'oidc')
    assert.equal(body.user.role, 'learner')
    assert.equal(body.user.displayName, '张三')
    assert.match(body.user.username, /^zhangsan-[0-9a-f]{6}$/)
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('cb_session='))!
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Lax/i)
    // The PKCE cookie is cleared: it served this one callback.
    assert.ok(done.headers.getSetCookie().some((c) => c.startsWith('cb_oidc_') && /Expires=Thu, 01 Jan 1970/.test(c)))

    // The session works like a password session's: GET /session shows the learner.
    const agent = agentFrom(sys, { status: done.status, headers: done.headers, body, text: '' } as Answer<SessionBody>)
    const session = await agent.get<SessionBody>('/session')
    assert.equal(session.status, 200)
    assert.deepEqual(
      { id: session.body.user.id, role: session.body.user.role, method: session.body.method },
      { id: body.user.id, role: 'learner', method: 'oidc' },
    )

    // A second sign-in (the provider remembers the person: no login or consent this time) finds the same account.
    const again = await throughProvider(browser)
    const second = await browser.get(again.href)
    assert.equal(second.status, 302)
    assert.equal(second.headers.get('location'), `${sys.issuerUrl}/`)
    const agent2 = await request<SessionBody>(sys, 'GET', '/session', { headers: { cookie: sessionCookieOf(second) } })
    assert.equal(agent2.status, 200)
    assert.equal(agent2.body.user.id, body.user.id)
    const linked = await sys.issuer.ds.query('SELECT provider, subject, user_id FROM cb_oidc_identity')
    assert.deepEqual(linked, [{ provider: idp.issuer, subject: 'person-zhang', user_id: body.user.id }])
  })

  it('makes another account for another person; without a name claim, the preferred username names it', async () => {
    idp.signInAs = 'person-li'
    const browser = new TestBrowser()
    const done = await browser.get((await throughProvider(browser)).href, { accept: 'application/json' })
    const body = (await done.json()) as SessionBody
    assert.equal(done.status, 200, JSON.stringify(body))
    assert.equal(body.user.displayName, 'li.si')
    assert.match(body.user.username, /^li\.si-[0-9a-f]{6}$/)
    const [{ n }] = (await sys.issuer.ds.query('SELECT COUNT(*) AS n FROM cb_oidc_identity')) as [{ n: number | string }]
    assert.equal(Number(n), 2)
  })

  it('goes back to a returnTo path on the bank after sign-in', async () => {
    const browser = new TestBrowser()
    const callback = await throughProvider(browser, `?returnTo=${encodeURIComponent('/catalogue?q=会计&limit=5')}`)
    const res = await browser.get(callback.href)
    assert.equal(res.status, 302)
    assert.equal(res.headers.get('location'), `${sys.issuerUrl}/catalogue?q=%E4%BC%9A%E8%AE%A1&limit=5`)
  })

  it('refuses a returnTo that would leave the bank (no open redirect)', async () => {
    const browser = new TestBrowser()
    for (const returnTo of [
      'https://evil.example',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'evil',
      '/%0d%0aX: y',
      '/ x',
    ]) {
      const res = await browser.get(`${sys.issuerUrl}/session/oidc?returnTo=${encodeURIComponent(returnTo)}`)
      assert.equal(res.headers.get('location'), null, returnTo)
      const problem = await problemOf(res)
      assertProblem(problem, 400, 'invalid_request')
      assert.equal((problem.body as { issues: { path: string }[] }).issues[0]!.path, '/query/returnTo')
    }
    const [{ n }] = (await sys.issuer.ds.query('SELECT COUNT(*) AS n FROM cb_oidc_login')) as [{ n: number | string }]
    assert.equal(Number(n), 0, 'a refused sign-in leaves no state behind')
  })

  it('refuses a tampered state, and the real one still works', async () => {
    const browser = new TestBrowser()
    const callback = await throughProvider(browser)
    const state = callback.searchParams.get('state')!
    const forged = new URL(callback)
    forged.searchParams.set('state', (state[0] === 'A' ? 'B' : 'A') + state.slice(1))
    assertProblem(await problemOf(await browser.get(forged.href)), 400, 'oidc_state_invalid')
    const missing = new URL(callback)
    missing.searchParams.delete('state')
    assertProblem(await problemOf(await browser.get(missing.href)), 400, 'oidc_state_invalid')
    assert.equal((await browser.get(callback.href)).status, 302)
  })

  it('refuses a replayed callback: the state is used once', async () => {
    const browser = new TestBrowser()
    const callback = await throughProvider(browser)
    const first = await browser.get(callback.href)
    assert.equal(first.status, 302)
    const again = await problemOf(await browser.get(callback.href))
    assertProblem(again, 400, 'oidc_state_invalid')
    assert.match((again.body as { title: string }).title, /already completed/)
  })

  it('lets exactly one of two simultaneous callbacks with the same state through', async () => {
    const browser = new TestBrowser()
    const callback = await throughProvider(browser)
    const answers = await Promise.all([browser.get(callback.href), browser.get(callback.href)])
    const statuses = answers.map((r) => r.status).sort()
    assert.deepEqual(statuses, [302, 400])
    assertProblem(await problemOf(answers.find((r) => r.status === 400)!), 400, 'oidc_state_invalid')
  })

  it('refuses a callback in another browser than the one that began the sign-in (login CSRF)', async () => {
    const victim = new TestBrowser()
    const attacker = new TestBrowser()
    const callback = await throughProvider(attacker)
    const res = await problemOf(await victim.get(callback.href))
    assertProblem(res, 400, 'oidc_state_invalid')
    assert.match((res.body as { title: string }).title, /another browser/)
  })

  it('refuses a callback after the sign-in expired (10 minutes)', async () => {
    const browser = new TestBrowser()
    const callback = await throughProvider(browser)
    sys.clock.advance(10 * 60_000 + 1000)
    const res = await problemOf(await browser.get(callback.href))
    assertProblem(res, 400, 'oidc_state_invalid')
    assert.match((res.body as { title: string }).title, /expired/)
  })

  it('answers 403 oidc_access_denied when the person declines at the provider', async () => {
    idp.deny = true
    const browser = new TestBrowser()
    const callback = await throughProvider(browser)
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    const res = await browser.get(callback.href)
    assertProblem(await problemOf(res), 403, 'oidc_access_denied')
    assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('cb_session=')))
  })

  it('refuses a code the provider issued to another client', async () => {
    const browser = new TestBrowser()
    const authorization = await begin(browser)
    authorization.searchParams.set('client_id', 'another-client')
    const callback = await browser.followUntil(authorization.href, isCallback)
    assert.ok(callback.searchParams.get('code'))
    const res = await problemOf(await browser.get(callback.href))
    assertProblem(res, 401, 'oidc_token_failed')
    assert.match((res.body as { title: string }).title, /invalid_grant/)
  })

  it('refuses an ID token with another nonce than the sign-in made', async () => {
    const browser = new TestBrowser()
    const authorization = await begin(browser)
    authorization.searchParams.set('nonce', 'a-nonce-the-bank-never-made')
    const callback = await browser.followUntil(authorization.href, isCallback)
    const res = await problemOf(await browser.get(callback.href))
    assertProblem(res, 401, 'oidc_token_failed')
    assert.match((res.body as { title: string }).title, /OAUTH_JWT_CLAIM_COMPARISON_FAILED/)
  })

  it('refuses a code redeemed with another PKCE verifier (the cookie of another sign-in)', async () => {
    const browser = new TestBrowser()
    const first = await begin(browser)
    const second = await begin(browser)
    // The provider is sent the first sign-in's request with the second one's state: the code is bound to the first challenge.
    first.searchParams.set('state', second.searchParams.get('state')!)
    const callback = await browser.followUntil(first.href, isCallback)
    const res = await problemOf(await browser.get(callback.href))
    assertProblem(res, 401, 'oidc_token_failed')
  })
})

describe('OpenID Connect sign-in, configured otherwise', function () {
  let sys: TestSystem | undefined
  afterEach(async () => {
    await sys?.close()
    sys = undefined
  })

  it('answers 404 oidc_not_configured without CB_OIDC_ISSUER', async () => {
    sys = await startTestSystem()
    for (const path of ['/session/oidc', '/session/oidc/callback?state=x&code=y'])
      assertProblem(await request(sys, 'GET', path), 404, 'oidc_not_configured')
  })

  it('answers 503 oidc_unavailable when the provider cannot be reached, and tries again on the next sign-in', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    sys = await startTestSystem({ CB_OIDC_ISSUER: `http://127.0.0.1:${port}`, CB_OIDC_CLIENT_ID: CLIENT_ID })
    for (let i = 0; i < 2; i++) {
      const res: Answer<unknown> = await request(sys, 'GET', '/session/oidc')
      assertProblem(res, 503, 'oidc_unavailable')
      assert.equal(res.headers.get('retry-after'), '30')
    }
  })

  it('signs in as a public client (no secret: PKCE alone)', async () => {
    const idp = await startOidcProvider(PEOPLE)
    try {
      sys = await startTestSystem({ CB_OIDC_ISSUER: idp.issuer, CB_OIDC_CLIENT_ID: 'public-bank' })
      const callbackUrl = `${sys.issuerUrl}/session/oidc/callback`
      idp.configure([{ client_id: 'public-bank', token_endpoint_auth_method: 'none', redirect_uris: [callbackUrl] }])
      const browser = new TestBrowser()
      const start = await browser.get(`${sys.issuerUrl}/session/oidc`)
      const callback = await browser.followUntil(start.headers.get('location')!, (u) => u.href.startsWith(callbackUrl))
      const done = await browser.get(callback.href, { accept: 'application/json' })
      const body = (await done.json()) as SessionBody
      assert.equal(done.status, 200, JSON.stringify(body))
      assert.equal(body.user.displayName, '张三')
    } finally {
      await idp.close()
    }
  })
})
