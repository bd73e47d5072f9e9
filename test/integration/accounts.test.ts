// Accounts over HTTP (issue 7 item 1): learners register and sign in with a password; wrong passwords lock an account
// for a while; sessions are httpOnly SameSite cookies whose changes need the CSRF token; admins create the bank's other
// accounts; `credit-bank users create` makes the first admin.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { hashPassword, verifyPassword } from '../../issuer/accounts/passwords.ts'
import { agentFrom, request, signIn, signUp, TEST_PASSWORD, type SessionAgent } from '../../fixtures/accounts.ts'
import { assertProblem, auth, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'

const dbName = process.env.CB_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'

describe(`accounts and sessions on ${dbName} (issue 7 item 1)`, function () {
  let sys: TestSystem
  let admin: SessionAgent

  before(async () => {
    sys = await startTestSystem({ CB_LOCKOUT_FAILURES: '3', CB_LOCKOUT_MINUTES: '15' })
    await sys.issuer.alliance.create(
      { id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' },
      { type: 'system', id: 'test' },
    )
    await signUp(sys, { role: 'admin', username: 'the.admin' })
  })
  // Tests move the clock by hours: the admin signs in afresh for each.
  beforeEach(async () => (admin = await signIn(sys, 'the.admin')))
  after(() => sys.close())

  it('when a learner registers, then the answer signs them in with an httpOnly SameSite=Lax cookie and a CSRF token, and GET /session names them', async () => {
    const res = await request<{ user: SessionAgent['user']; csrfToken: string }>(sys, 'POST', '/accounts', {
      json: { username: 'Li.Hua', password: TEST_PASSWORD, displayName: '李华' },
    })
    assert.equal(res.status, 201)
    assert.equal(res.body.user.username, 'li.hua', 'usernames are kept lower-case')
    assert.equal(res.body.user.role, 'learner')
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cb_session='))!
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Lax/i)
    assert.match(cookie, /Path=\//)
    assert.doesNotMatch(cookie, /Secure/, 'plain http on localhost in tests; https public URLs get Secure')
    assert.doesNotMatch(JSON.stringify(res.body), /scrypt|passwordHash/)
    const agent = agentFrom(sys, res)
    const me = await agent.get<{ user: { username: string; displayName: string }; csrfToken: string }>('/session')
    assert.equal(me.status, 200)
    assert.deepEqual([me.body.user.username, me.body.user.displayName, me.body.csrfToken], ['li.hua', '李华', agent.csrf])
  })

  it('when a username is taken (in any case) or the password is weak, then registration is refused with username_taken / invalid_request', async () => {
    await signUp(sys, { username: 'wang.fang' })
    assertProblem(
      await request(sys, 'POST', '/accounts', { json: { username: 'WANG.FANG', password: TEST_PASSWORD, displayName: 'x' } }),
      409,
      'username_taken',
    )
    for (const password of ['short', 'password123', 'aaaaaaaaaaaaa', 'zhao.lei-2026-secret']) {
      const res = await request<{ issues: { path: string }[] }>(sys, 'POST', '/accounts', {
        json: { username: 'zhao.lei', password, displayName: '赵磊' },
      })
      assertProblem(res, 400, 'invalid_request')
      assert.equal(res.body.issues[0]!.path, '/password', password)
    }
    assertProblem(
      await request(sys, 'POST', '/accounts', { json: { username: 'x', password: TEST_PASSWORD, displayName: 'x' } }),
      400,
      'invalid_request',
    )
    assertProblem(
      await request(sys, 'POST', '/accounts', { json: { username: 'ok.name', password: TEST_PASSWORD, displayName: 'x', role: 'admin' } }),
      400,
      'invalid_request',
    )
  })

  it('when the password is wrong or the user unknown, then both get the same 401 invalid_credentials', async () => {
    await signUp(sys, { username: 'chen.jing' })
    const wrong = await request(sys, 'POST', '/session', { json: { username: 'chen.jing', password: 'not the password at all' } })
    const unknown = await request(sys, 'POST', '/session', { json: { username: 'nobody.here', password: 'not the password at all' } })
    assertProblem(wrong, 401, 'invalid_credentials')
    assertProblem(unknown, 401, 'invalid_credentials')
    assert.equal((wrong.body as { detail: string }).detail, (unknown.body as { detail: string }).detail)
    assert.equal(wrong.headers.getSetCookie().length, 0)
  })

  it('when wrong passwords reach the lockout count, then the account is locked (429 account_locked, Retry-After) even for the right password, until the lockout ends', async () => {
    await signUp(sys, { username: 'locked.out' })
    const attempt = (password: string) => request(sys, 'POST', '/session', { json: { username: 'locked.out', password } })
    assertProblem(await attempt('wrong password one'), 401, 'invalid_credentials')
    assertProblem(await attempt('wrong password two'), 401, 'invalid_credentials')
    const third = await attempt('wrong password three')
    assertProblem(third, 429, 'account_locked')
    assert.equal(third.headers.get('retry-after'), String(15 * 60))
    assertProblem(await attempt(TEST_PASSWORD), 429, 'account_locked')
    sys.clock.advance(15 * 60 + 1)
    const ok = await attempt(TEST_PASSWORD)
    assert.equal(ok.status, 200, 'the lockout ended')
    // A success resets the count: one more wrong password is an ordinary 401.
    assertProblem(await attempt('wrong password four'), 401, 'invalid_credentials')
    const audit = await admin.get<{ entries: { action: string; subject: { id: string } }[] }>('/audit?limit=1000')
    assert.ok(audit.body.entries.some((e) => e.action === 'account_locked'))
  })

  it('when a change is sent with the session cookie but without the CSRF token, or from another origin, then it is refused (403 csrf_failed); reads need no token', async () => {
    const learner = await signUp(sys)
    assertProblem(
      await learner.request('PUT', '/session/password', {
        json: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' },
        noCsrf: true,
      }),
      403,
      'csrf_failed',
    )
    assertProblem(
      await learner.request('PUT', '/session/password', {
        json: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' },
        headers: { origin: 'https://evil.example' },
      }),
      403,
      'csrf_failed',
    )
    assertProblem(await learner.request('DELETE', '/session', { headers: { 'x-csrf-token': 'x'.repeat(43) } }), 403, 'csrf_failed')
    assert.equal((await learner.request('GET', '/session', { noCsrf: true })).status, 200)
  })

  it('when a session is idle past CB_SESSION_IDLE_MINUTES or older than CB_SESSION_HOURS, then it ends (401); requests keep an active one alive', async () => {
    const learner = await signUp(sys)
    sys.clock.advance(20 * 60)
    assert.equal((await learner.get('/session')).status, 200, 'used within 30 minutes')
    sys.clock.advance(20 * 60)
    assert.equal((await learner.get('/session')).status, 200, '40 minutes old but used 20 minutes ago')
    sys.clock.advance(31 * 60)
    assertProblem(await learner.get('/session'), 401, 'unauthorized')

    const busy = await signUp(sys)
    for (let minutes = 29; minutes < 12 * 60; minutes += 29) {
      sys.clock.advance(29 * 60)
      assert.equal((await busy.get('/session')).status, 200, `at ${minutes} minutes`)
    }
    sys.clock.advance(29 * 60) // 12 h 5 min after signing in, 29 minutes after the last request
    assertProblem(await busy.get('/session'), 401, 'unauthorized')
  })

  it('when someone signs out, then the cookie is cleared and the session no longer works', async () => {
    const learner = await signUp(sys)
    const out = await learner.del('/session')
    assert.equal(out.status, 204)
    assert.match(out.headers.getSetCookie()[0]!, /^cb_session=;/)
    assertProblem(await learner.get('/session'), 401, 'unauthorized')
  })

  it('when a password is changed, then other sessions end, this one stays, and only the new password signs in', async () => {
    const first = await signUp(sys, { username: 'zhou.min' })
    const second = await signIn(sys, 'zhou.min')
    assertProblem(
      await first.put('/session/password', { currentPassword: 'not it at all!', newPassword: 'another long passphrase' }),
      401,
      'invalid_credentials',
    )
    assertProblem(await first.put('/session/password', { currentPassword: TEST_PASSWORD, newPassword: 'short' }), 400, 'invalid_request')
    assert.equal(
      (await first.put('/session/password', { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' })).status,
      204,
    )
    assert.equal((await first.get('/session')).status, 200)
    assertProblem(await second.get('/session'), 401, 'unauthorized')
    assertProblem(
      await request(sys, 'POST', '/session', { json: { username: 'zhou.min', password: TEST_PASSWORD } }),
      401,
      'invalid_credentials',
    )
    assert.equal((await signIn(sys, 'zhou.min', 'another long passphrase')).user.username, 'zhou.min')
  })

  it('when an admin creates accounts, then staff need an institution, others must not have one, an initial password is returned once, and the new account signs in', async () => {
    assertProblem(await admin.post('/users', { username: 'staff.noinst', role: 'staff', displayName: 'S' }), 400, 'invalid_request')
    assertProblem(
      await admin.post('/users', { username: 'rev.inst', role: 'reviewer', displayName: 'R', institutionId: 'uni-a' }),
      400,
      'invalid_request',
    )
    assertProblem(
      await admin.post('/users', { username: 'staff.ghost', role: 'staff', displayName: 'S', institutionId: 'no-such' }),
      400,
      'invalid_request',
    )
    const created = await admin.post<{ id: string; role: string; institutionId: string; initialPassword: string }>('/users', {
      username: 'staff.a',
      role: 'staff',
      displayName: '甲大学教务处',
      institutionId: 'uni-a',
    })
    assert.equal(created.status, 201)
    assert.equal(created.headers.get('location'), `/users/${created.body.id}`)
    assert.deepEqual([created.body.role, created.body.institutionId], ['staff', 'uni-a'])
    assert.match(created.body.initialPassword, /^[A-Za-z0-9_-]{16}$/)
    const staff = await signIn(sys, 'staff.a', created.body.initialPassword)
    assert.deepEqual([staff.user.role, staff.user.institutionId], ['staff', 'uni-a'])
    const got = await admin.get<{ username: string; initialPassword?: string }>(`/users/${created.body.id}`)
    assert.equal(got.body.username, 'staff.a')
    assert.equal(got.body.initialPassword, undefined, 'shown once')
    const listed = await admin.get<{ items: { username: string }[] }>('/users?role=staff&institution=uni-a')
    assert.deepEqual(
      listed.body.items.map((u) => u.username),
      ['staff.a'],
    )
    // Disabling ends the account's sessions at once and stops sign-in.
    assert.equal((await admin.patch(`/users/${created.body.id}`, { status: 'disabled' })).status, 200)
    assertProblem(await staff.get('/session'), 401, 'unauthorized')
    assertProblem(
      await request(sys, 'POST', '/session', { json: { username: 'staff.a', password: created.body.initialPassword } }),
      401,
      'invalid_credentials',
    )
    const audit = await admin.get<{ entries: { action: string; actor: { type: string; id: string } }[] }>('/audit?limit=1000')
    const made = audit.body.entries.find((e) => e.action === 'user_created' && e.actor.type === 'user')
    assert.equal(made?.actor.id, admin.user.id, 'the admin is named in the audit trail')
  })

  it('when a learner or a staff member asks for an admin operation, then 403 forbidden; without a session 401; an admin-scope API client may', async () => {
    const learner = await signUp(sys)
    assertProblem(await learner.get('/users'), 403, 'forbidden')
    assertProblem(await learner.post('/users', { username: 'x.y.z', role: 'admin', displayName: 'x' }), 403, 'forbidden')
    assertProblem(await request(sys, 'GET', '/users'), 401, 'unauthorized')
    const client = await createApiClient(sys.issuer.ds, sys.clock, { name: 'ops', scopes: ['admin'] })
    assert.equal((await request(sys, 'GET', '/users', { headers: auth(client.token) })).status, 200)
    assertProblem(await request(sys, 'GET', '/users', { headers: auth(sys.token) }), 403, 'forbidden')
  })

  it('when sign-in attempts from one address pass CB_SIGN_IN_PER_MINUTE, then 429 rate_limited', async () => {
    const limited = await startTestSystem({ CB_SIGN_IN_PER_MINUTE: '3' })
    try {
      const codes: number[] = []
      for (let i = 0; i < 5; i++)
        codes.push((await request(limited, 'POST', '/session', { json: { username: 'nobody.here', password: 'whatever it is' } })).status)
      await limited.issuer.signInLimiter.flush()
      assert.deepEqual(codes, [401, 401, 401, 429, 429])
    } finally {
      await limited.close()
    }
  })
})

describe('passwords (scrypt)', () => {
  it('when hashed at the default cost 2^15, then the hash names its parameters and verifies only the same password (NFKC-normalized)', async () => {
    const hash = await hashPassword('ｐａｓｓｗｏｒｄ　long enough', 15)
    assert.match(hash, /^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    assert.ok(await verifyPassword('password long enough', hash), 'full-width letters equal ASCII after NFKC')
    assert.ok(!(await verifyPassword('password long enougH', hash)))
    assert.ok(!(await verifyPassword('x', 'scrypt$99$8$1$AAAA$AAAA')), 'a malformed hash is false, not a throw')
  })
})

describe('credit-bank users create', function () {
  // Four runs of the command, each a fresh Node process loading the project through tsx (3–5 s on a busy 2-core
  // machine), as the other CLI suites allow for.
  this.timeout(60_000)
  it('when the operator creates the first admin with --password-stdin, then it can sign in; a second run with the same username fails with exit 1', async () => {
    const sys = await startTestSystem()
    try {
      const run = (args: string[], input?: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const child = execFile(
            'npx',
            ['tsx', 'bin/credit-bank.ts', ...args],
            { env: { ...process.env, ...envOf(sys) } },
            (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          )
          child.stdin!.end(input ?? '')
        })
      const made = await run(
        ['users', 'create', '--username', 'root.admin', '--role', 'admin', '--name', '管理员', '--password-stdin', '--json'],
        'an operator passphrase\n',
      )
      assert.equal(made.code, 0, made.stderr)
      const user = JSON.parse(made.stdout) as { role: string; username: string; initialPassword?: string }
      assert.deepEqual([user.role, user.username, user.initialPassword], ['admin', 'root.admin', undefined])
      assert.equal((await signIn(sys, 'root.admin', 'an operator passphrase')).user.role, 'admin')
      const again = await run(['users', 'create', '--username', 'root.admin', '--role', 'admin'])
      assert.equal(again.code, 1)
      assert.match(again.stderr, /taken/)
      const generated = await run(['users', 'create', '--username', 'second.admin', '--role', 'expert'])
      assert.equal(generated.code, 0, generated.stderr)
      assert.match(generated.stdout, /initial password \(shown once\): [A-Za-z0-9_-]{16}/)
      assert.equal((await run(['users', 'create', '--username', 'x.y.z', '--role', 'king'])).code, 2)
    } finally {
      await sys.close()
    }
  })
})

/** The environment a CLI needs to work on a test system's database. */
function envOf(sys: TestSystem): Record<string, string> {
  return {
    NODE_ENV: 'test',
    CB_LOG_LEVEL: 'silent',
    CB_DATA_DIR: sys.config.dataDir,
    CB_KMS_SECRET_KEY: sys.config.kmsSecretKey,
    CB_PUBLIC_URL: sys.config.publicUrl.href,
    CB_SCRYPT_COST: '10',
    ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
  }
}
