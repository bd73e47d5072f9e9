// loadConfig's CB_OIDC_* keys: off by default, the redirect URI derived from CB_PUBLIC_URL, http only for a localhost
// provider outside production, and every problem reported at once.
import assert from 'node:assert/strict'
import { loadConfig } from '../../../core/config.ts'
import { ConfigError } from '../../../core/errors.ts'

const base = { CB_DATA_DIR: '/nonexistent-unused', CB_KMS_SECRET_KEY: 'ab'.repeat(32) }

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...base, ...env })
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  assert.fail('expected a ConfigError')
}

describe('loadConfig: OpenID Connect sign-in', () => {
  it('when CB_OIDC_ISSUER is unset, then OIDC sign-in is off', () => {
    assert.equal(loadConfig(base).oidc, undefined)
  })

  it('when the provider is configured, then the redirect URI is under the public URL and the scopes default to openid profile', () => {
    const c = loadConfig({
      ...base,
      CB_PUBLIC_URL: 'https://bank.example.cn/jiangsu',
      CB_OIDC_ISSUER: 'https://id.example.gov.cn/oidc',
      CB_OIDC_CLIENT_ID: 'credit-bank',
      CB_OIDC_CLIENT_SECRET: 's3cret',
    })
    assert.deepEqual(
      { ...c.oidc, issuer: c.oidc?.issuer.href, redirectUri: c.oidc?.redirectUri.href },
      {
        issuer: 'https://id.example.gov.cn/oidc',
        clientId: 'credit-bank',
        clientSecret: 's3cret',
        scopes: 'openid profile',
        redirectUri: 'https://bank.example.cn/jiangsu/session/oidc/callback',
        allowHttp: false,
      },
    )
    const root = loadConfig({
      ...base,
      CB_OIDC_ISSUER: 'https://id.example',
      CB_OIDC_CLIENT_ID: 'cb',
      CB_OIDC_SCOPES: 'openid  email openid',
    })
    assert.equal(root.oidc?.redirectUri.href, 'http://localhost:4000/session/oidc/callback')
    assert.equal(root.oidc?.scopes, 'openid email')
    assert.equal(root.oidc?.clientSecret, undefined, 'no secret: a public client')
  })

  it('when the provider is plain http on localhost outside production, then it is allowed', () => {
    const c = loadConfig({ ...base, CB_OIDC_ISSUER: 'http://127.0.0.1:9000', CB_OIDC_CLIENT_ID: 'cb' })
    assert.equal(c.oidc?.allowHttp, true)
  })

  it('when the provider is plain http elsewhere, or with CB_ALLOW_INSECURE_LOCALHOST off, then it is refused', () => {
    assert.match(
      problemsOf({ CB_OIDC_ISSUER: 'http://id.example.gov.cn', CB_OIDC_CLIENT_ID: 'cb' }).join('\n'),
      /CB_OIDC_ISSUER must be https/,
    )
    assert.match(
      problemsOf({ CB_OIDC_ISSUER: 'http://localhost:9000', CB_OIDC_CLIENT_ID: 'cb', CB_ALLOW_INSECURE_LOCALHOST: 'false' }).join('\n'),
      /CB_OIDC_ISSUER must be https/,
    )
  })

  it('when in production, then a localhost http provider is refused too', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      CB_PUBLIC_URL: 'https://bank.example.cn',
      CB_OIDC_ISSUER: 'http://localhost:9000',
      CB_OIDC_CLIENT_ID: 'cb',
    })
    assert.ok(
      problems.some((p) => p.startsWith('CB_OIDC_ISSUER must be https')),
      problems.join('\n'),
    )
  })

  it('when the settings are incomplete or wrong, then every problem is named at once', () => {
    assert.deepEqual(problemsOf({ CB_OIDC_ISSUER: 'https://id.example/?x=1#y', CB_OIDC_SCOPES: 'profile bad"scope' }), [
      'CB_OIDC_ISSUER must have no query, fragment or credentials, got "https://id.example/?x=1#y"',
      "CB_OIDC_CLIENT_ID is required with CB_OIDC_ISSUER: the bank's client id at the provider",
      'CB_OIDC_SCOPES must include openid, got "profile bad"scope"',
      'CB_OIDC_SCOPES has a character a scope may not contain: "bad"scope"',
    ])
    assert.deepEqual(problemsOf({ CB_OIDC_ISSUER: 'not a url', CB_OIDC_CLIENT_ID: 'cb' }), [
      'CB_OIDC_ISSUER must be the provider\'s https issuer URL, got "not a url"',
    ])
    assert.deepEqual(problemsOf({ CB_OIDC_CLIENT_ID: 'cb' }), [
      "CB_OIDC_CLIENT_ID is set but CB_OIDC_ISSUER is not: set the provider's issuer URL, or unset CB_OIDC_CLIENT_ID",
    ])
  })
})
