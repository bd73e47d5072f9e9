// The wallet's static server (headers, config, 404s) and the browser module that recognises pasted credentials.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, generateKeyPair } from 'jose'
import { createWalletApp } from '../../../wallet-web/server.ts'
import { parseCredential, documentOf, summarize } from '../../../wallet-web/public/parse-credential.js'
import type { WalletRecord } from '../../../wallet-web/public/parse-credential.js'
import { LANGUAGES, MESSAGES } from '../../../wallet-web/public/i18n.js'

const verifierUrl = new URL('http://127.0.0.1:4100/')
const issuerUrl = new URL('http://127.0.0.1:4000/')
const ZH_TITLE = '学分银行 · 学习成果钱包'

describe('wallet-web server', () => {
  let server: Server
  let base: string

  before(async () => {
    server = createWalletApp({ verifierUrl, issuerUrl }).listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
  })

  it('when / is requested, then it serves the zh page with a strict CSP and the other security headers', async () => {
    const res = await fetch(`${base}/`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.ok((await res.text()).includes(ZH_TITLE))
    const csp = res.headers.get('content-security-policy') ?? ''
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self' http://127.0.0.1:4100",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ]) {
      assert.ok(csp.split('; ').includes(directive), `CSP lacks ${directive}: ${csp}`)
    }
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(res.headers.get('x-powered-by'), null)
  })

  it('when the modules are requested, then they are served as JavaScript', async () => {
    for (const path of ['/app.js', '/i18n.js', '/parse-credential.js']) {
      const res = await fetch(`${base}${path}`)
      assert.equal(res.status, 200, path)
      assert.match(res.headers.get('content-type') ?? '', /javascript/, path)
    }
  })

  it('when /config.json is requested, then it returns the configured URLs and is not cached', async () => {
    const res = await fetch(`${base}/config.json`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await res.json(), { verifierUrl: verifierUrl.href, issuerUrl: issuerUrl.href })
  })

  it('when /healthz and /readyz are requested, then they answer ok and ready', async () => {
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' })
    const ready = await fetch(`${base}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { status: 'ready' })
  })

  it('when an unknown, malformed or traversing path, a type declaration or a non-GET method is requested, then 404 problem json', async () => {
    const requests = [
      ['GET', '/nope'],
      ['GET', '/parse-credential.d.ts'],
      ['POST', '/'],
      ['GET', '/..%2f..%2fpackage.json'],
      ['GET', '/%E0%A4%A.js'],
      ['GET', '/.env'],
    ]
    for (const [method, path] of requests) {
      const res = await fetch(`${base}${path}`, { method })
      assert.equal(res.status, 404, `${method} ${path}`)
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/)
      assert.ok(res.headers.get('content-security-policy'))
      const { requestId, title, ...body } = (await res.json()) as Record<string, unknown>
      assert.deepEqual(body, { type: 'urn:credit-bank:problem:not_found', status: 404, code: 'not_found' })
      assert.equal(typeof title, 'string')
      assert.equal(requestId, res.headers.get('x-request-id'))
    }
  })

  it('when a URL is not http(s), then createWalletApp refuses it', () => {
    assert.throws(() => createWalletApp({ verifierUrl: new URL('javascript:alert(1)'), issuerUrl }), TypeError)
  })
})

describe('wallet-web i18n', () => {
  it('when the page names a string, then both languages define it, and define the same keys', async () => {
    const html = await readFile(new URL('../../../wallet-web/public/index.html', import.meta.url), 'utf8')
    const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1])
    assert.ok(keys.includes('title'))
    const [zh, en] = LANGUAGES.map((lang) => MESSAGES[lang])
    assert.equal(zh.title, ZH_TITLE)
    for (const key of keys) assert.ok(zh[key] && en[key], key)
    assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort())
  })
})

describe('wallet-web parseCredential', () => {
  const vc2 = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: 'urn:uuid:7a3c0f1e-0000-4000-8000-000000000001',
    type: ['VerifiableCredential', 'OpenBadgeCredential', 'AchievementCredential'],
    issuer: { id: 'did:web:bank.example.cn', name: '江苏省终身教育学分银行' },
    validFrom: '2025-09-01T00:00:00Z',
    validUntil: '2030-09-01T00:00:00Z',
    credentialSubject: {
      id: 'did:key:z6MkLearner',
      name: '张三',
      type: ['AchievementSubject'],
      creditsEarned: 3,
      achievement: {
        id: 'urn:ach:1',
        type: ['Achievement'],
        name: { 'zh-CN': '高等数学', en: 'Advanced Mathematics' },
        frameworkLevel: 5,
        category: 'academic',
      },
    },
  }
  let jwt: string
  let jwt11: string

  before(async () => {
    const { privateKey } = await generateKeyPair('EdDSA')
    jwt = await new SignJWT(vc2).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:web:bank.example.cn#key-1' }).sign(privateKey)
    const { id: _id, issuer: _issuer, validFrom: _vf, validUntil: _vu, ...vcBody } = vc2
    jwt11 = await new SignJWT({ vc: { ...vcBody, '@context': ['https://www.w3.org/2018/credentials/v1'] } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer('did:web:bank.example.cn')
      .setSubject('did:key:z6MkLearner')
      .setJti('urn:uuid:vc11')
      .setNotBefore(1_756_684_800)
      .setExpirationTime(1_914_451_200)
      .sign(privateKey)
  })

  const ok = (text: string): WalletRecord => {
    const result = parseCredential(text)
    assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`)
    return result.record
  }
  const error = (text: string) => {
    const result = parseCredential(text)
    assert.equal(result.ok, false, `expected an error for ${text.slice(0, 80)}`)
    return result.ok ? undefined : result.error
  }

  it('when given a compact vc+jwt (with surrounding whitespace), then it keeps the JWT and keys it by the credential id', () => {
    const record = ok(`\n  ${jwt}\n`)
    assert.equal(record.kind, 'jwt')
    assert.equal(record.format, 'vc+jwt')
    assert.equal(record.raw, jwt)
    assert.equal(record.key, vc2.id)
    assert.deepEqual(record.document, vc2)
  })

  it('when given a VC 1.1 JWT, then the registered claims fill issuer, id, subject id and dates', () => {
    const record = ok(jwt11)
    assert.equal(record.format, 'vc1-jwt')
    assert.equal(record.key, 'urn:uuid:vc11')
    assert.equal(record.document.issuer, 'did:web:bank.example.cn')
    assert.equal(record.document.issuanceDate, '2025-09-01T00:00:00.000Z')
    assert.equal(record.document.expirationDate, '2030-09-01T00:00:00.000Z')
    assert.equal((record.document.credentialSubject as { id: string }).id, 'did:key:z6MkLearner')
  })

  it('when given an EnvelopedVerifiableCredential or its bare data: URL, then it holds the enveloped JWT', () => {
    const envelope = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    }
    for (const text of [JSON.stringify(envelope, null, 2), envelope.id]) {
      const record = ok(text)
      assert.equal(record.kind, 'jwt')
      assert.equal(record.raw, jwt)
      assert.equal(record.key, vc2.id)
    }
    assert.equal(error(JSON.stringify({ ...envelope, id: `data:application/jwt,${jwt}` })), 'unsupported_envelope')
  })

  it('when given JSON with a Data Integrity proof, then it holds the JSON object as is', () => {
    const di = {
      ...vc2,
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', proofValue: 'z58D' },
    }
    const record = ok(JSON.stringify(di))
    assert.equal(record.kind, 'json')
    assert.equal(record.format, 'data-integrity')
    assert.deepEqual(record.raw, di)
    assert.equal(record.key, vc2.id)
    assert.deepEqual(documentOf(record), di)
    const { id: _id, ...noId } = di
    assert.equal(ok(JSON.stringify(noId)).key, JSON.stringify(noId))
  })

  it('when given a JwtProof2020 JSON wrapper, then only its signed JWT counts, not the editable outer JSON', () => {
    const wrapper = { ...vc2, credentialSubject: { ...vc2.credentialSubject, creditsEarned: 99 }, proof: { type: 'JwtProof2020', jwt } }
    const record = ok(JSON.stringify(wrapper))
    assert.equal(record.raw, jwt)
    assert.equal((record.document.credentialSubject as { creditsEarned: number }).creditsEarned, 3)
  })

  it('when given something that is not a signed credential, then it says why with a stable code', () => {
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
    const [h, p, s] = jwt.split('.')
    const cases: Array<[string, string]> = [
      ['', 'empty_input'],
      ['   \n', 'empty_input'],
      ['hello world', 'unrecognized_format'],
      ['{"a":', 'invalid_json'],
      ['[1,2]', 'not_a_credential'],
      ['{"type":"Thing"}', 'not_a_credential'],
      [JSON.stringify({ ...vc2, type: ['VerifiablePresentation'] }), 'not_a_credential'],
      [JSON.stringify(vc2), 'unsigned_credential'],
      [JSON.stringify({ ...vc2, proof: [] }), 'unsigned_credential'],
      [`${h}.${p}`, 'unrecognized_format'],
      [`${h}.${p}.${s}.x`, 'unrecognized_format'],
      [`${h}.${p}.`, 'invalid_jwt'],
      [`${h}=.${p}.${s}`, 'invalid_jwt'],
      [`${h}.${b64('not json')}.${s}`, 'invalid_jwt'],
      [`${h}.${Buffer.from([0xc3, 0x28]).toString('base64url')}.${s}`, 'invalid_jwt'],
      [`${h}.${b64([1])}.${s}`, 'invalid_jwt'],
      [`${h}.${p}${'A'.repeat((5 - (p.length % 4)) % 4)}.${s}`, 'invalid_jwt'], // length 4n+1: never base64url
      [`${b64({ alg: 'none' })}.${p}.${s}`, 'unsigned_credential'],
      [`${b64({ alg: 'EdDSA', typ: 'vp+jwt' })}.${b64({ vp: { type: ['VerifiablePresentation'] } })}.${s}`, 'not_a_credential'],
      [`${h}.${b64({ sub: 'someone', scope: 'openid' })}.${s}`, 'not_a_credential'],
      ['x'.repeat(1_000_001), 'too_large'],
    ]
    for (const [text, code] of cases) assert.equal(error(text), code, text.slice(0, 60))
  })
})

describe('wallet-web summarize', () => {
  it('when the credential is an achievement, then the card fields are found and language maps follow the language', () => {
    const doc = {
      type: ['VerifiableCredential', 'AchievementCredential'],
      issuer: { id: 'did:web:bank.example.cn', name: { 'zh-CN': '江苏省终身教育学分银行', en: 'Jiangsu Credit Bank' } },
      validFrom: '2025-09-01T00:00:00Z',
      credentialSubject: {
        id: 'did:key:z6MkLearner',
        creditsEarned: 3,
        achievement: {
          name: [
            { '@value': '高等数学', '@language': 'zh' },
            { '@value': 'Advanced Mathematics', '@language': 'en' },
          ],
          frameworkLevel: { id: 'urn:level:5', level: 5 },
          category: 'non_academic',
        },
      },
    }
    const zh = summarize(doc, 'zh-CN')
    assert.equal(zh.report, false)
    assert.equal(zh.name, '高等数学')
    assert.equal(zh.achievementName, '高等数学')
    assert.equal(zh.credits, 3)
    assert.equal(zh.frameworkLevel, '5')
    assert.equal(zh.category, 'non_academic')
    assert.equal(zh.issuerName, '江苏省终身教育学分银行')
    assert.equal(zh.issuerId, 'did:web:bank.example.cn')
    assert.equal(zh.learner, 'did:key:z6MkLearner')
    assert.equal(zh.validFrom, '2025-09-01T00:00:00Z')
    assert.equal(zh.validUntil, undefined)
    const en = summarize(doc, 'en')
    assert.equal(en.name, 'Advanced Mathematics')
    assert.equal(en.issuerName, 'Jiangsu Credit Bank')
  })

  it('when the credential is a certification report, then it shows the report number and total credits', () => {
    const doc = {
      type: ['VerifiableCredential', 'CertificationReportCredential'],
      name: '学习成果认证报告',
      issuer: 'did:web:bank.example.cn',
      credentialSubject: { id: 'did:key:z6MkLearner', reportNumber: 'JS25-8F3K-2Q9M-X', totalCredits: 42.5 },
    }
    const s = summarize(doc, 'en')
    assert.equal(s.report, true)
    assert.equal(s.reportNumber, 'JS25-8F3K-2Q9M-X')
    assert.equal(s.totalCredits, 42.5)
    assert.equal(s.issuerId, 'did:web:bank.example.cn')
    assert.equal(s.achievementName, undefined)
  })

  it('when fields are missing or of odd types, then they are undefined rather than thrown on', () => {
    const s = summarize({ credentialSubject: [null], issuer: 7, name: { id: 'x' } }, 'zh-CN')
    assert.equal(s.name, undefined)
    assert.equal(s.issuerId, undefined)
    assert.equal(s.learner, undefined)
    assert.deepEqual(s.types, [])
  })
})
