// The operators' `credit-bank` command, run as a real process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildAchievementCredential } from '../../fixtures/builders.ts'
import { issueAsBank, jwtOf, resetPostgres, startTestSystem, TEST_KMS_SECRET, type TestSystem } from '../../fixtures/test-system.ts'
import { openDataSource } from '../../core/store/data-source.ts'
import { PrivateKey } from '@veramo/data-store'
import { ApiClientStore } from '../../issuer/clients/api-client-store.ts'
import { BIN, freePort, runCli as run, startService } from '../../fixtures/processes.ts'

describe('credit-bank CLI', function () {
  this.timeout(60_000)
  let dataDir: string
  let env: Record<string, string>
  before(async () => {
    if (process.env.CB_TEST_DATABASE_URL) await resetPostgres(process.env.CB_TEST_DATABASE_URL)
    dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-cli-'))
    env = {
      CB_DATA_DIR: dataDir,
      CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
      ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
    }
  })
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('when a client is created with --json, then the token is printed once and only its hash is stored', async () => {
    const { code, stdout } = await run(
      ['clients', 'create', '--name', 'registrar', '--scopes', 'credentials:issue,credentials:status', '--json'],
      env,
    )
    assert.equal(code, 0)
    const client = JSON.parse(stdout) as { id: string; token: string; scopes: string[] }
    assert.match(client.token, /^cbt_[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(client.scopes, ['credentials:issue', 'credentials:status'])
    const ds = await openDataSource(
      env.CB_DATABASE_URL
        ? { type: 'postgres', url: env.CB_DATABASE_URL }
        : { type: 'sqlite', database: path.join(dataDir, 'issuer.sqlite') },
      'issuer',
    )
    try {
      const stored = await new ApiClientStore(ds).find(client.id)
      assert.ok(stored)
      assert.notEqual(stored.tokenHash, client.token)
      assert.match(stored.tokenHash, /^[0-9a-f]{64}$/)
      // Private keys are encrypted at rest: no stored key is the plain hex Veramo would otherwise keep.
      const keys = await ds.getRepository(PrivateKey).find()
      assert.ok(keys.length >= 1)
      for (const k of keys) assert.doesNotMatch(k.privateKeyHex, /^[0-9a-f]{64,128}$/)
    } finally {
      await ds.destroy()
    }
  })

  it('when scopes are unknown, then it exits non-zero with the allowed list', async () => {
    const { code, stderr } = await run(['clients', 'create', '--name', 'x', '--scopes', 'root'], env)
    assert.notEqual(code, 0)
    assert.match(stderr, /credentials:issue/)
  })

  it('when keys are rotated, then the bank publishes two keys', async () => {
    const { code, stdout } = await run(['keys', 'rotate'], env)
    assert.equal(code, 0)
    assert.match(stdout, /new signing key: did:web:localhost%3A4000#/)
    const list = await run(['keys', 'list'], env)
    assert.equal(list.stdout.trim().split('\n').length, 2)
  })

  it('when production is configured without a key secret and with insecure localhost, then it refuses to start and lists every problem', async () => {
    const { code, stderr } = await run(['migrate'], {
      ...env,
      NODE_ENV: 'production',
      CB_KMS_SECRET_KEY: '',
      CB_ALLOW_INSECURE_LOCALHOST: 'true',
      CB_ISSUER_PORT: 'x',
    })
    assert.equal(code, 2)
    assert.match(stderr, /CB_KMS_SECRET_KEY is required in production/)
    assert.match(stderr, /CB_ALLOW_INSECURE_LOCALHOST must not be enabled in production/)
    assert.match(stderr, /CB_ISSUER_PORT must be an integer/)
    assert.match(stderr, /CB_PUBLIC_URL must be https in production/)
  })

  it('when a service runs two workers and gets SIGTERM, then the workers serve, finish, close and it exits 0', async () => {
    const port = await freePort()
    const service = await startService('verifier', { ...env, CB_VERIFIER_PORT: String(port), CB_WORKERS: '2' }, 2)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    assert.equal(health.status, 200)
    for (let i = 0; i < 250 && !service.output().includes('"msg":"request"'); i++) await new Promise((r) => setTimeout(r, 20)) // the log line may trail the answer
    const line = service
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"request"'))
    assert.ok(line, 'an access-log line')
    const logged = JSON.parse(line) as { requestId?: string; status?: number; level?: string }
    assert.equal(logged.status, 200)
    assert.match(logged.requestId ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(await service.stop(), 0)
    assert.match(service.output(), /"msg":"shutting down","signal":"SIGTERM"/)
  })

  describe('verify', () => {
    let sys: TestSystem
    let jwt: string
    let cliEnv: Record<string, string>
    before(async () => {
      sys = await startTestSystem()
      jwt = jwtOf(
        (await issueAsBank(sys, { ...buildAchievementCredential(sys.did), validFrom: '2026-01-01T00:00:00Z' })).body.verifiableCredential,
      )
      cliEnv = { ...env, CB_TRUSTED_ISSUERS: sys.did }
    })
    after(() => sys.close())

    it('when the credential is authentic, then it prints the report and exits 0', async () => {
      const { code, stdout } = await run(['verify', '-'], cliEnv, jwt)
      assert.equal(code, 0)
      const report = JSON.parse(stdout) as { verified: boolean; checks: { id: string; status: string }[] }
      assert.equal(report.verified, true)
      // credential_schema is skipped: the bank's credentials name no credentialSchema.
      assert.deepEqual(
        report.checks.map((c) => `${c.id}:${c.status}`),
        [
          'format:passed',
          'schema:passed',
          'credential_schema:skipped',
          'proof:passed',
          'validity_period:passed',
          'status:passed',
          'issuer_trust:passed',
        ],
      )
    })

    it('when the credential is tampered with, then it exits 1 and says why', async () => {
      const [h, p, s] = jwt.split('.')
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
      payload.credentialSubject.creditsEarned = 30
      const { code, stdout } = await run(['verify', '-'], cliEnv, `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`)
      assert.equal(code, 1)
      assert.equal(
        (JSON.parse(stdout) as { checks: { id: string; reason?: string }[] }).checks.find((c) => c.id === 'proof')?.reason,
        'signature_invalid',
      )
    })

    it('when the input is neither a JWT nor JSON, then it exits non-zero', async () => {
      assert.notEqual((await run(['verify', '-'], cliEnv, '{not json')).code, 0)
      assert.equal((await run(['verify', '-'], cliEnv, 'garbage')).code, 1)
    })

    // The test's stdout is a pipe, not a terminal: --human asks for what a person at a terminal would see.
    it('when a person asks in Chinese (--human --lang zh), then it prints the verdict, the issuer, what the credential says and each check', async () => {
      const { code, stdout } = await run(['verify', '-', '--human', '--lang', 'zh'], cliEnv, jwt)
      assert.equal(code, 0)
      const lines = stdout.split('\n')
      assert.equal(lines[0], '✓ 已通过验证')
      assert.match(stdout, new RegExp(`^颁发机构 +江苏学分银行 \\(${sys.did}\\)$`, 'm'))
      assert.match(stdout, /^学习成果 +Data Structures \(Course\)$/m)
      assert.match(stdout, /^学分 +3$/m)
      assert.deepEqual(
        lines
          .slice(lines.indexOf('核验项目') + 1)
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/)[0]),
        ['✓', '✓', '–', '✓', '✓', '✓', '✓'],
      )
      assert.throws(() => JSON.parse(stdout))
    })

    it('when the locale is Chinese or English, then --human follows it, and --lang overrides it', async () => {
      assert.match((await run(['verify', '-', '--human'], { ...cliEnv, LANG: 'zh_CN.UTF-8' }, jwt)).stdout, /^✓ 已通过验证$/m)
      assert.match((await run(['verify', '-', '--human'], { ...cliEnv, LANG: 'en_US.UTF-8' }, jwt)).stdout, /^✓ Verified$/m)
      assert.match(
        (await run(['verify', '-', '--human', '--lang', 'en'], { ...cliEnv, LC_ALL: 'zh_CN.UTF-8' }, jwt)).stdout,
        /^✓ Verified$/m,
      )
    })

    it('when a tampered credential is shown to a person, then it exits 1 and the signature line says why', async () => {
      const [h, p, s] = jwt.split('.')
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
      payload.credentialSubject.creditsEarned = 30
      const { code, stdout } = await run(
        ['verify', '-', '--human', '--lang', 'en'],
        cliEnv,
        `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`,
      )
      assert.equal(code, 1)
      assert.match(stdout, /^✗ Not verified$/m)
      assert.match(stdout, /^ {2}✗ Signature +.+ \[signature_invalid\]$/m)
    })

    it('when the output is a terminal, then a person gets the summary in the language of the locale without asking', async () => {
      // script(1) from util-linux runs the command on a pseudo-terminal, as an operator's shell would.
      const file = path.join(dataDir, 'credential.jwt')
      writeFileSync(file, jwt)
      const command = [process.execPath, BIN, 'verify', file].map((a) => `'${a}'`).join(' ')
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          'script',
          ['-qec', command, '/dev/null'],
          { env: { PATH: process.env.PATH ?? '', CB_LOG_LEVEL: 'silent', ...cliEnv, LANG: 'zh_CN.UTF-8' } },
          (err, out) => (err ? reject(err) : resolve(out)),
        ),
      )
      assert.match(stdout, /^✓ 已通过验证\r?$/m)
      assert.match(stdout, /^核验项目\r?$/m)
    })

    it('when the output is not a terminal or --json is given, then scripts get the JSON report whatever the locale', async () => {
      for (const args of [
        ['verify', '-'],
        ['verify', '-', '--json'],
        ['verify', '-', '--json', '--lang', 'zh'],
      ]) {
        const { code, stdout } = await run(args, { ...cliEnv, LANG: 'zh_CN.UTF-8' }, jwt)
        assert.equal(code, 0)
        assert.equal((JSON.parse(stdout) as { verified: boolean }).verified, true, args.join(' '))
      }
    })

    it('when --json and --human are both given, or --lang is not zh or en, then it exits 2 with usage', async () => {
      const both = await run(['verify', '-', '--json', '--human'], cliEnv, jwt)
      assert.equal(both.code, 2)
      assert.match(both.stderr, /--json or --human/)
      const french = await run(['verify', '-', '--lang', 'fr'], cliEnv, jwt)
      assert.equal(french.code, 2)
      assert.match(french.stderr, /--lang must be zh or en/)
    })
  })
})
