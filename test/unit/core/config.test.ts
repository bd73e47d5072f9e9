// loadConfig: defaults, validation (every problem at once), production refusals.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../../../core/config.ts'
import { ConfigError } from '../../../core/errors.ts'

describe('loadConfig', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cb-config-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('when nothing is set, then the documented defaults apply and a development secret is kept in the data dir', () => {
    const c = loadConfig({ CB_DATA_DIR: dir })
    assert.deepEqual(c.ports, { issuer: 4000, verifier: 4100, wallet: 4200 })
    assert.equal(c.publicUrl.href, 'http://localhost:4000/')
    assert.equal(c.bankDid, 'did:web:localhost%3A4000')
    assert.deepEqual(c.trustedIssuers, ['did:web:localhost%3A4000'])
    assert.deepEqual(c.issuerDb, { type: 'sqlite', database: path.join(dir, 'issuer.sqlite') })
    assert.equal(c.allowInsecureLocalhost, true)
    assert.match(c.kmsSecretKey, /^[0-9a-f]{64}$/)
    assert.equal(readFileSync(path.join(dir, 'kms-secret.key'), 'utf8').trim(), c.kmsSecretKey)
    assert.equal(loadConfig({ CB_DATA_DIR: dir }).kmsSecretKey, c.kmsSecretKey, 'the same secret on the next start')
    assert.ok(Object.isFrozen(c))
  })

  it('when the public URL has a path, then the did:web carries it', () => {
    const c = loadConfig({ CB_DATA_DIR: dir, CB_PUBLIC_URL: 'https://bank.example.cn/jiangsu', CB_KMS_SECRET_KEY: 'ab'.repeat(32) })
    assert.equal(c.bankDid, 'did:web:bank.example.cn:jiangsu')
  })

  it('when PostgreSQL is configured, then both services use it unless the verifier has its own', () => {
    const c = loadConfig({ CB_DATA_DIR: dir, CB_DATABASE_URL: 'postgres://u@db/cb' })
    assert.deepEqual(c.issuerDb, { type: 'postgres', url: 'postgres://u@db/cb' })
    assert.deepEqual(c.verifierDb, { type: 'postgres', url: 'postgres://u@db/cb' })
  })

  it('when several values are wrong, then one ConfigError lists every problem', () => {
    try {
      loadConfig({
        CB_DATA_DIR: dir,
        CB_ISSUER_PORT: '70000',
        CB_LOG_LEVEL: 'loud',
        CB_KMS_SECRET_KEY: 'short',
        CB_DATABASE_URL: 'mysql://x',
        CB_TRUSTED_ISSUERS: 'not-a-did',
        CB_PUBLIC_URL: 'ftp://x',
      })
      assert.fail('expected ConfigError')
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.problems.length, 6, err.message)
    }
  })

  it('when NODE_ENV=production, then development defaults are refused', () => {
    assert.throws(
      () => loadConfig({ CB_DATA_DIR: dir, NODE_ENV: 'production', CB_PUBLIC_URL: 'https://bank.example' }),
      (err: ConfigError) => {
        assert.deepEqual(err.problems, [
          'CB_KMS_SECRET_KEY is required in production (private keys are encrypted with it)',
          'CB_VERIFIER_PUBLIC_URL must be https in production, got "http://localhost:4100"',
          'CB_WALLET_PUBLIC_URL must be https in production, got "http://localhost:4200"',
        ])
        return true
      },
    )
    assert.throws(
      () => loadConfig({ CB_DATA_DIR: dir, NODE_ENV: 'production', CB_ALLOW_INSECURE_LOCALHOST: 'true' }),
      /CB_ALLOW_INSECURE_LOCALHOST must not be enabled in production/,
    )
    const ok = loadConfig({
      CB_DATA_DIR: dir,
      NODE_ENV: 'production',
      CB_PUBLIC_URL: 'https://bank.example',
      CB_KMS_SECRET_KEY: 'ab'.repeat(32),
      CB_ALLOW_INSECURE_LOCALHOST: 'false',
      CB_VERIFIER_PUBLIC_URL: 'https://verify.bank.example',
      CB_WALLET_PUBLIC_URL: 'https://wallet.bank.example',
    })
    assert.equal(ok.allowInsecureLocalhost, false)
  })
})
