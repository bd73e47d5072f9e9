// SECURITY.md B7 over HTTP: forged, short, malformed, unreachable, oversized and foreign status lists, and status
// changes on the bank's own lists (no lost updates).
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { buildAchievementCredential, buildStatusEntry } from '../../fixtures/builders.ts'
import {
  auth,
  check,
  issueAsBank,
  jwtOf,
  post,
  startTestSystem,
  verify,
  type HttpResult,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import {
  decodeJwt,
  FakeHost,
  FakeHosts,
  forgeJws,
  resignAsBank,
  statusListPayload,
  vcJwtPayload,
  type Json,
  type Signer,
} from '../helpers/attacks.ts'

const FETCH_TIMEOUT_MS = 400
const LIST_PATH = '/status/1'

/** A partner issuer on its own did:web host, which also serves its status list at LIST_PATH. */
type Partner = Signer & { host: FakeHost }

/** A credential by `partner` with one status entry (defaults: revocation, index "5", the partner's list). */
function credentialWithStatus(partner: Partner, entry: Json = {}): string {
  const url = `${partner.host.origin}${LIST_PATH}`
  const credential = buildAchievementCredential(partner.did, {
    id: 'urn:uuid:5a0c7f0e-7d55-4a57-9d0e-1f6d1b1c2a01',
    credentialStatus: buildStatusEntry(url, entry),
  }) as unknown as Json
  return partner.sign(vcJwtPayload(credential, partner.did))
}

/** Serves `token` as the partner's status list. */
const serveList = (partner: Partner, token: string, status = 200): void =>
  partner.host.serve(LIST_PATH, token, status, { 'content-type': 'application/vc+jwt', 'cache-control': 'no-store' })

/** A list of 131,072 entries with `set` indexes set, signed by `signer` and issued by `issuerDid`. */
function signedList(
  partner: Partner,
  opts: {
    set?: number[]
    purpose?: string
    bytes?: Buffer
    encodedList?: string
    signer?: Signer
    issuerDid?: string
    edit?: (p: Json) => void
  } = {},
): string {
  const bytes = opts.bytes ?? Buffer.alloc(131_072 / 8)
  for (const i of opts.set ?? []) bytes[i >> 3]! |= 0x80 >> (i & 7)
  const payload = statusListPayload(opts.issuerDid ?? partner.did, `${partner.host.origin}${LIST_PATH}`, {
    bytes,
    ...(opts.purpose ? { purpose: opts.purpose } : {}),
    ...(opts.encodedList ? { encodedList: opts.encodedList } : {}),
  })
  opts.edit?.(payload)
  return (opts.signer ?? partner).sign(payload)
}

function assertStatus(res: HttpResult<Report>, expected: string): void {
  assert.equal(check(res.body, 'status'), expected, JSON.stringify(res.body.checks))
  assert.notEqual(res.status, 500)
  if (expected !== 'passed') assert.equal(res.body.verified, false)
}

describe('security B7: status lists (HTTP)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()
  /** A loopback server standing for an internal service: it must never be reached. */
  let internal: FakeHost
  const partner = async (): Promise<Partner> => hosts.signer()

  before(async () => {
    sys = await startTestSystem({ CB_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS) })
    internal = await hosts.create()
    internal.serve(LIST_PATH, 'secret')
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })

  describe("a partner's well-formed list (controls)", () => {
    it("when the entry's bit is clear, then the status check passes; when it is set, it fails with revoked", async () => {
      const p = await partner()
      serveList(p, signedList(p))
      assertStatus(await verify(sys, credentialWithStatus(p)), 'passed')
      const q = await partner()
      serveList(q, signedList(q, { set: [5] }))
      assertStatus(await verify(sys, credentialWithStatus(q)), 'failed:revoked')
    })
  })

  describe("#55 lists that are not the issuer's", () => {
    it("when the list is signed by another key under the issuer's kid, then the status check fails with status_list_invalid", async () => {
      const p = await partner()
      const { privateKey } = generateKeyPairSync('ed25519')
      serveList(
        p,
        forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', kid: p.kid }, statusListPayload(p.did, `${p.host.origin}${LIST_PATH}`), privateKey),
      )
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
    })

    it('when the signed list was altered (its bits cleared), then the status check fails with status_list_invalid', async () => {
      const p = await partner()
      const [h, , s] = signedList(p, { set: [5] }).split('.')
      const cleared = Buffer.from(JSON.stringify(statusListPayload(p.did, `${p.host.origin}${LIST_PATH}`))).toString('base64url')
      serveList(p, `${h}.${cleared}.${s}`)
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
    })

    it("when the list on the issuer's origin is issued and signed by another DID, then the status check fails with status_list_invalid", async () => {
      const p = await partner()
      const other = await partner()
      serveList(p, signedList(p, { signer: other, issuerDid: other.did }))
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
    })

    it("when the list names the issuer but is signed by another DID's key, then the status check fails with status_list_invalid", async () => {
      const p = await partner()
      const other = await partner()
      serveList(
        p,
        forgeJws(
          { alg: 'EdDSA', typ: 'vc+jwt', kid: other.kid },
          statusListPayload(p.did, `${p.host.origin}${LIST_PATH}`),
          other.privateKey,
        ),
      )
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
    })

    it("when the list's statusPurpose differs from the entry's, then the status check fails with status_list_invalid", async () => {
      const p = await partner()
      serveList(p, signedList(p, { purpose: 'suspension' }))
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
    })

    for (const [what, edit] of [
      ['is not a BitstringStatusListCredential', (l: Json) => (l.type = ['VerifiableCredential'])],
      ['has a subject that is not a BitstringStatusList', (l: Json) => ((l.credentialSubject as Json).type = 'StatusList2021')],
      ['has expired', (l: Json) => (l.validUntil = '2025-06-01T00:00:00Z')],
    ] as const) {
      it(`when the signed list ${what}, then the status check fails with status_list_invalid`, async () => {
        const p = await partner()
        serveList(p, signedList(p, { edit }))
        assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
      })
    }

    it('when the list is served as unsigned JSON or as garbage, then the status check fails with status_list_invalid', async () => {
      for (const body of [JSON.stringify(statusListPayload('did:web:x', 'https://x/1')), 'not a jwt', '']) {
        const p = await partner()
        serveList(p, body)
        assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_invalid')
      }
    })
  })

  describe('#56 lengths, ranges and malformed entries', () => {
    it('when the list has fewer than 131,072 entries, then the status check fails with status_list_length', async () => {
      const p = await partner()
      serveList(p, signedList(p, { bytes: Buffer.alloc(1000) }))
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_length')
    })

    for (const index of ['131072', '9999999999']) {
      it(`when statusListIndex is ${index} on a list of 131,072 entries, then the status check fails with status_index_out_of_range`, async () => {
        const p = await partner()
        serveList(p, signedList(p))
        assertStatus(await verify(sys, credentialWithStatus(p, { statusListIndex: index })), 'failed:status_index_out_of_range')
      })
    }

    for (const index of [true, -1, 7, '-1', '1e3', ' 7', '7 ', '0x10', '07', '', '１２', '99999999999', null]) {
      it(`when statusListIndex is ${JSON.stringify(index)}, then the status check fails with status_entry_malformed`, async () => {
        const p = await partner()
        serveList(p, signedList(p))
        assertStatus(await verify(sys, credentialWithStatus(p, { statusListIndex: index })), 'failed:status_entry_malformed')
      })
    }

    for (const [what, encodedList] of [
      ['not multibase (no u prefix)', gzipSync(Buffer.alloc(16384)).toString('base64url')],
      ['standard base64 characters', `u${gzipSync(Buffer.alloc(16384)).toString('base64')}`],
      ['not gzip', `u${Buffer.alloc(16384).toString('base64url')}`],
      ['a truncated gzip stream', `u${gzipSync(Buffer.alloc(16384)).subarray(0, 10).toString('base64url')}`],
    ] as const) {
      it(`when encodedList is ${what}, then the status check fails with status_entry_malformed`, async () => {
        const p = await partner()
        serveList(p, signedList(p, { encodedList }))
        assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_entry_malformed')
      })
    }

    it('when statusListCredential is not a URL, then the status check fails with status_entry_malformed', async () => {
      const p = await partner()
      for (const url of ['status list 1', 42])
        assertStatus(await verify(sys, credentialWithStatus(p, { statusListCredential: url })), 'failed:status_entry_malformed')
    })

    it('when the entry is of an unsupported type, then the status check fails with unsupported_status_type', async () => {
      const p = await partner()
      assertStatus(await verify(sys, credentialWithStatus(p, { type: 'StatusList2021Entry' })), 'failed:unsupported_status_type')
    })
  })

  describe('#57 unreachable lists fail closed', () => {
    for (const [what, setUp] of [
      ['answers 404', (p: Partner) => serveList(p, 'not found', 404)],
      ['answers 500', (p: Partner) => serveList(p, 'boom', 500)],
      [
        'redirects to an internal host',
        (p: Partner) => p.host.serve(LIST_PATH, '', 302, { location: `http://127.0.0.1:${internal.port}${LIST_PATH}` }),
      ],
      ['drops the connection', (p: Partner) => p.host.routes.set(LIST_PATH, (req) => req.socket.destroy())],
      ['is larger than the fetch cap', (p: Partner) => serveList(p, 'x'.repeat(1_100_000))],
    ] as const) {
      it(`when the list host ${what}, then the status check fails with status_list_unreachable (never "not revoked")`, async () => {
        const p = await partner()
        setUp(p)
        internal.hits.length = 0
        assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_unreachable')
        assert.deepEqual(internal.hits, [])
      })
    }

    it('when the list host never answers, then the status check fails with status_list_unreachable within the fetch timeout', async () => {
      const p = await partner()
      p.host.routes.set(LIST_PATH, () => undefined)
      const started = Date.now()
      assertStatus(await verify(sys, credentialWithStatus(p)), 'failed:status_list_unreachable')
      assert.ok(Date.now() - started < FETCH_TIMEOUT_MS + 1500, `${Date.now() - started} ms`)
    })
  })

  describe('#58 gzip bombs', () => {
    it('when encodedList inflates to 20 MB (above the 16 MB cap), then the status check fails with status_entry_malformed and the verifier stays healthy', async () => {
      const p = await partner()
      const bomb = `u${gzipSync(Buffer.alloc(20 * 1024 * 1024), { level: 9 }).toString('base64url')}`
      assert.ok(bomb.length < 64 * 1024, `the bomb is ${bomb.length} characters`)
      serveList(p, signedList(p, { encodedList: bomb }))
      const res = await verify(sys, credentialWithStatus(p))
      assertStatus(res, 'failed:status_entry_malformed')
      assert.match(String(res.body.checks.find((c) => c.id === 'status')?.message), /decompresses to more than/)
      assert.equal((await fetch(`${sys.verifierUrl}/healthz`)).status, 200)
    })
  })

  describe("#59 list URLs off the issuer's origin are never fetched", () => {
    const urls: [string, (p: Partner) => string, string][] = [
      ['another domain', () => 'https://status.example/lists/1', 'status_list_untrusted_origin'],
      ['an internal IP address', () => `http://127.0.0.1:${internal.port}${LIST_PATH}`, 'status_list_untrusted_origin'],
      ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data', 'status_list_untrusted_origin'],
      ['another loopback origin', () => `${internal.origin}${LIST_PATH}`, 'status_list_untrusted_origin'],
      [
        "the issuer's host on another port",
        (p) => `http://localhost:${p.host.port === 65535 ? 1 : p.host.port + 1}${LIST_PATH}`,
        'status_list_untrusted_origin',
      ],
      // Same origin, so the origin rule lets it through; the hardened fetch then refuses userinfo.
      ["the issuer's origin with userinfo", (p) => `http://evil.example@localhost:${p.host.port}${LIST_PATH}`, 'status_list_unreachable'],
    ]
    for (const [what, urlOf, reason] of urls) {
      it(`when statusListCredential points at ${what}, then the status check fails with ${reason} and nothing is fetched`, async () => {
        const p = await partner()
        internal.hits.length = 0
        p.host.hits.length = 0
        assertStatus(await verify(sys, credentialWithStatus(p, { statusListCredential: urlOf(p) })), `failed:${reason}`)
        assert.deepEqual(internal.hits, [])
        assert.deepEqual(
          p.host.hits.filter((h) => h !== '/.well-known/did.json'),
          [],
        )
      })
    }

    it('when a bank-signed credential points its status at an internal host, then the status check fails with status_list_untrusted_origin', async () => {
      const jwt = jwtOf((await issueAsBank(sys, buildAchievementCredential(sys.did))).body.verifiableCredential)
      internal.hits.length = 0
      const forged = await resignAsBank(sys, jwt, (_h, p) => {
        for (const e of p.credentialStatus as Json[]) e.statusListCredential = `http://127.0.0.1:${internal.port}${LIST_PATH}`
      })
      assertStatus(await verify(sys, forged), 'failed:status_list_untrusted_origin')
      assert.deepEqual(internal.hits, [])
    })
  })

  describe("#60 the bank's lists: revoke, suspend, unsuspend, concurrent revocations", () => {
    const setStatus = (id: string, statusPurpose: string, status: boolean) =>
      post(
        `${sys.issuerUrl}/credentials/status`,
        { credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose }, status },
        auth(sys.token),
      )
    /** The verifier caches lists for CB_STATUS_LIST_TTL_SECONDS on the injected clock. */
    const expireCache = () => sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    const issueOne = async () => {
      const res = await issueAsBank(sys, buildAchievementCredential(sys.did))
      assert.equal(res.status, 201)
      const jwt = jwtOf(res.body.verifiableCredential)
      return { jwt, id: String(decodeJwt(jwt).payload.id) }
    }

    it('when a credential is revoked, then it verified before and fails with revoked after', async () => {
      const { jwt, id } = await issueOne()
      assertStatus(await verify(sys, jwt), 'passed')
      assert.equal((await setStatus(id, 'revocation', true)).status, 200)
      expireCache()
      assertStatus(await verify(sys, jwt), 'failed:revoked')
    })

    it('when a credential is suspended and then unsuspended, then it fails with suspended and then passes', async () => {
      const { jwt, id } = await issueOne()
      assert.equal((await setStatus(id, 'suspension', true)).status, 200)
      expireCache()
      assertStatus(await verify(sys, jwt), 'failed:suspended')
      assert.equal((await setStatus(id, 'suspension', false)).status, 200)
      expireCache()
      const res = await verify(sys, jwt)
      assertStatus(res, 'passed')
      assert.equal(res.body.verified, true)
    })

    it('when two credentials on one list are revoked concurrently, then both bits are set (no lost update)', async () => {
      const [a, b] = [await issueOne(), await issueOne()]
      const answers = await Promise.all([setStatus(a.id, 'revocation', true), setStatus(b.id, 'revocation', true)])
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200],
      )
      expireCache()
      assertStatus(await verify(sys, a.jwt), 'failed:revoked')
      assertStatus(await verify(sys, b.jwt), 'failed:revoked')
    })

    it('when ten credentials on one list are revoked and suspended concurrently, then every bit is set', async () => {
      const creds = await Promise.all(Array.from({ length: 10 }, () => issueOne()))
      const answers = await Promise.all(creds.map((c, i) => setStatus(c.id, i % 2 ? 'suspension' : 'revocation', true)))
      assert.ok(answers.every((r) => r.status === 200))
      expireCache()
      for (const [i, c] of creds.entries()) assertStatus(await verify(sys, c.jwt), i % 2 ? 'failed:suspended' : 'failed:revoked')
    })
  })
})
