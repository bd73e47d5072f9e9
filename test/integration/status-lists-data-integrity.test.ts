// Issue 5 #13 over HTTP: status lists for Data Integrity credentials (the JSON list with an eddsa-rdfc-2022 proof, by
// content negotiation and at its own .json URL), and the verifier reading both forms from any issuer.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { decodeBitstring } from '../../core/status/bitstring.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import type { StatusPurpose } from '../../issuer/status/status-lists.ts'
import { STATUS_LIST_ACCEPT } from '../../core/verification/status-list-client.ts'
import { decodeJwt, FakeHosts, vcJwtPayload, type Json, type Signer, type FakeHost } from '../helpers/attacks.ts'
import { buildAchievementCredential, buildStatusEntry } from '../../fixtures/builders.ts'
import { check, issue, setStatus, startTestSystem, TEST_NOW, verify, type TestSystem } from '../../fixtures/test-system.ts'

interface StatusEntry {
  statusPurpose: string
  statusListIndex: string
  statusListCredential: string
}

/** A plain VC 2.0 credential any API client may have signed. */
const credential = (did: string, n: number): Json => ({
  '@context': [VC_V2_CONTEXT],
  id: `urn:uuid:0c5d1e60-8a3b-4d7e-9f21-${String(n).padStart(12, '0')}`,
  type: ['VerifiableCredential'],
  issuer: did,
  validFrom: '2026-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:learner', name: 'status list test' },
})

const bitAt = (encodedList: unknown, index: number): boolean => {
  const bits = decodeBitstring(encodedList, 1 << 20)
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { headers })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe('status lists for Data Integrity credentials (issue 5 #13)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()
  before(async () => {
    sys = await startTestSystem()
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })
  /** Past the verifier's status-list cache (CB_STATUS_LIST_TTL_SECONDS). */
  const expireCaches = (): void => sys.clock.advance(sys.config.statusListTtlSeconds + 1)
  async function issueDi(n: number): Promise<{ vc: Json; entries: StatusEntry[] }> {
    const res = await issue(sys, credential(sys.did, n), { format: 'eddsa-rdfc-2022' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const vc = res.body.verifiableCredential
    return { vc, entries: vc.credentialStatus as StatusEntry[] }
  }

  describe("the bank's lists", () => {
    it('when a Data Integrity credential is issued, then its status URLs answer the JSON list with a Data Integrity proof without any Accept header, and it verifies', async () => {
      const { vc, entries } = await issueDi(1)
      assert.deepEqual(
        entries.map((e) => e.statusPurpose),
        ['revocation', 'suspension'],
      )
      for (const entry of entries) {
        assert.match(entry.statusListCredential, new RegExp(`^${sys.issuerUrl}/status-lists/\\d+/${entry.statusPurpose}\\.json$`))
        const res = await get(entry.statusListCredential)
        assert.equal(res.status, 200)
        assert.match(String(res.headers.get('content-type')), /^application\/vc\+ld\+json/)
        assert.match(String(res.headers.get('cache-control')), /^public, max-age=\d+$/)
        const list = JSON.parse(res.text) as Json & { credentialSubject: Json; proof: Json }
        assert.equal(list.id, entry.statusListCredential, "the JSON list's id is its own URL")
        assert.deepEqual(list.type, ['VerifiableCredential', 'BitstringStatusListCredential'])
        assert.equal(list.issuer, sys.did)
        assert.equal(list.credentialSubject.statusPurpose, entry.statusPurpose)
        assert.equal(list.proof.type, 'DataIntegrityProof')
        assert.equal(list.proof.cryptosuite, 'eddsa-rdfc-2022')
        assert.equal(list.proof.proofPurpose, 'assertionMethod')
        assert.equal(bitAt(list.credentialSubject.encodedList, Number(entry.statusListIndex)), false)
      }
      const report = await verify(sys, vc)
      assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
      assert.equal(check(report.body, 'status'), 'passed')
    })

    it('when the credential is revoked, then the verifier reports revoked, and the vc+jwt form of the same list shows the same bit', async () => {
      const { vc, entries } = await issueDi(2)
      const revocation = entries.find((e) => e.statusPurpose === 'revocation')!
      const index = Number(revocation.statusListIndex)
      assert.equal((await setStatus(sys, String(vc.id), 'revocation', true)).status, 200)
      expireCaches()
      const report = await verify(sys, vc)
      assert.equal(report.body.verified, false)
      assert.equal(check(report.body, 'status'), 'failed:revoked')
      assert.equal(check(report.body, 'proof'), 'passed')

      const json = JSON.parse((await get(revocation.statusListCredential)).text) as { credentialSubject: Json }
      const negotiatedUrl = revocation.statusListCredential.replace(/\.json$/, '')
      const jwt = await get(negotiatedUrl)
      assert.match(String(jwt.headers.get('content-type')), /^application\/vc\+jwt/)
      const payload = decodeJwt(jwt.text).payload as { id: string; credentialSubject: Json }
      assert.equal(payload.id, negotiatedUrl)
      assert.equal(bitAt(json.credentialSubject.encodedList, index), true)
      assert.equal(bitAt(payload.credentialSubject.encodedList, index), true)
      assert.equal(json.credentialSubject.encodedList, payload.credentialSubject.encodedList, 'both forms carry the same bits')
    })

    it('when the list URL is asked for application/vc or application/vc+ld+json, then it answers the JSON form (Vary: Accept, Content-Location of the .json URL); vc+jwt, */* or no Accept keep the vc+jwt', async () => {
      const { entries } = await issueDi(3)
      const jsonUrl = entries[0]!.statusListCredential
      const url = jsonUrl.replace(/\.json$/, '')
      const direct = await get(jsonUrl)
      for (const accept of ['application/vc', 'application/vc+ld+json', 'application/ld+json, application/json']) {
        const res = await get(url, { accept })
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type')?.split(';')[0], accept.split(',')[0])
        assert.equal(res.text, direct.text, 'the negotiated JSON is the .json resource')
        assert.equal(res.headers.get('content-location'), jsonUrl)
        assert.match(String(res.headers.get('vary')), /accept/i)
      }
      const jwtAccepts: Record<string, string>[] = [
        {},
        { accept: '*/*' },
        { accept: 'application/vc+jwt' },
        { accept: STATUS_LIST_ACCEPT },
        { accept: 'text/html' },
      ]
      for (const headers of jwtAccepts) {
        const res = await get(url, headers)
        assert.equal(res.status, 200)
        assert.match(String(res.headers.get('content-type')), /^application\/vc\+jwt/, JSON.stringify(headers))
        assert.equal(res.text.split('.').length, 3)
        assert.match(String(res.headers.get('vary')), /accept/i)
        assert.equal(res.headers.get('content-location'), null)
      }
    })

    it('when either form is asked again with its ETag, then 304; each form has its own ETag; a status change re-signs both, and nothing else does', async () => {
      const { vc, entries } = await issueDi(4)
      const jsonUrl = entries.find((e) => e.statusPurpose === 'suspension')!.statusListCredential
      const url = jsonUrl.replace(/\.json$/, '')
      const forms: { url: string; headers: Record<string, string> }[] = [
        { url, headers: {} },
        { url, headers: { accept: 'application/vc' } },
        { url: jsonUrl, headers: {} },
      ]
      const first = await Promise.all(forms.map((f) => get(f.url, f.headers)))
      const etags = first.map((r) => r.headers.get('etag')!)
      assert.ok(etags.every(Boolean))
      assert.notEqual(etags[0], etags[1], 'the vc+jwt and the JSON form are different representations')
      assert.equal(etags[1], etags[2])
      for (const [i, f] of forms.entries()) {
        const res = await get(f.url, { ...f.headers, 'if-none-match': etags[i]! })
        assert.equal(res.status, 304, `${f.url} ${JSON.stringify(f.headers)}`)
        assert.equal(res.text, '')
      }
      assert.equal((await get(url, { 'if-none-match': etags[1]! })).status, 200, "the JSON form's ETag does not validate the vc+jwt")

      sys.clock.advance(3600)
      const later = await Promise.all(forms.map((f) => get(f.url, f.headers)))
      assert.deepEqual(
        later.map((r) => r.text),
        first.map((r) => r.text),
        'an unchanged list is not re-signed',
      )

      assert.equal((await setStatus(sys, String(vc.id), 'suspension', true)).status, 200)
      const changed = await Promise.all(forms.map((f) => get(f.url, { ...f.headers, 'if-none-match': etags[forms.indexOf(f)]! })))
      assert.deepEqual(
        changed.map((r) => r.status),
        [200, 200, 200],
      )
      assert.notDeepEqual(
        changed.map((r) => r.headers.get('etag')),
        etags,
      )
    })

    it('when a vc+jwt credential is issued, then its status list is unchanged: the vc+jwt at the list URL, and it verifies', async () => {
      const res = await issue(sys, credential(sys.did, 5))
      assert.equal(res.status, 201)
      const jwt = String(res.body.verifiableCredential.id).replace(/^data:application\/vc\+jwt,/, '')
      const entries = decodeJwt(jwt).payload.credentialStatus as StatusEntry[]
      for (const entry of entries) {
        assert.match(entry.statusListCredential, new RegExp(`^${sys.issuerUrl}/status-lists/\\d+/${entry.statusPurpose}$`))
        const list = await get(entry.statusListCredential)
        assert.match(String(list.headers.get('content-type')), /^application\/vc\+jwt/)
        assert.equal(decodeJwt(list.text).header.typ, 'vc+jwt')
      }
      assert.equal(check((await verify(sys, res.body.verifiableCredential)).body, 'status'), 'passed')
    })

    it('when a list was cached before the JSON form existed (ld_document NULL after the migration), then the next request signs both forms at the same version', async () => {
      const { vc, entries } = await issueDi(6)
      const jsonUrl = entries[0]!.statusListCredential
      const listId = Number(/status-lists\/(\d+)\//.exec(jsonUrl)![1])
      assert.equal((await get(jsonUrl.replace(/\.json$/, ''))).status, 200)
      const lists = new StatusListStore(sys.issuer.ds)
      await lists.dropJsonForms(listId)
      const res = await get(jsonUrl)
      assert.equal(res.status, 200)
      assert.equal((JSON.parse(res.text) as { proof: { cryptosuite: string } }).proof.cryptosuite, 'eddsa-rdfc-2022')
      assert.equal((await lists.signed(listId, entries[0]!.statusPurpose as StatusPurpose))?.ldDocument, res.text)
      expireCaches()
      assert.equal(check((await verify(sys, vc)).body, 'status'), 'passed')
    })

    it('when a list or a purpose does not exist, then 404 for both URLs', async () => {
      for (const path of [
        '/status-lists/999/revocation.json',
        '/status-lists/1/other.json',
        '/status-lists/1/revocation.jsonx',
        '/status-lists/1/revocation.JSON',
      ]) {
        assert.equal((await get(`${sys.issuerUrl}${path}`)).status, 404, path)
      }
    })
  })

  describe('JSON lists with a Data Integrity proof from another issuer', () => {
    const LIST_PATH = '/status/1.json'
    type Partner = Signer & { host: FakeHost }

    /** A vc+jwt by the partner whose revocation entry is index 5 of its JSON list. */
    const credentialOf = (p: Partner): string => {
      const url = `${p.host.origin}${LIST_PATH}`
      const c = buildAchievementCredential(p.did, {
        id: 'urn:uuid:5a0c7f0e-7d55-4a57-9d0e-1f6d1b1c2a13',
        credentialStatus: buildStatusEntry(url),
      }) as unknown as Json
      return p.sign(vcJwtPayload(c, p.did))
    }

    /** The partner's JSON list (131,072 entries, `set` indexes set), signed with eddsa-rdfc-2022 by `signer`. */
    async function jsonList(
      p: Partner,
      opts: { set?: number[]; signer?: Signer; issuer?: string; edit?: (list: Json) => void } = {},
    ): Promise<Json> {
      const bytes = Buffer.alloc(131_072 / 8)
      for (const i of opts.set ?? []) bytes[i >> 3]! |= 0x80 >> (i & 7)
      const url = `${p.host.origin}${LIST_PATH}`
      const signer = opts.signer ?? p
      const list = {
        '@context': [VC_V2_CONTEXT],
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: opts.issuer ?? p.did,
        validFrom: '2026-01-01T00:00:00Z',
        credentialSubject: {
          id: `${url}#list`,
          type: 'BitstringStatusList',
          statusPurpose: 'revocation',
          encodedList: `u${gzipSync(bytes).toString('base64url')}`,
        },
      }
      const secured = (await signDataIntegrity(
        list,
        { verificationMethod: signer.kid, privateKey: signer.privateKey, publicKey: signer.publicKey },
        { created: new Date(TEST_NOW) },
      )) as Json
      opts.edit?.(secured)
      return secured
    }
    const serve = (p: Partner, list: Json | string): void =>
      p.host.serve(LIST_PATH, list, 200, { 'content-type': 'application/vc+ld+json', 'cache-control': 'no-store' })

    it('when the bit is clear, then status passes; when it is set, then revoked', async () => {
      const p = await hosts.signer()
      serve(p, await jsonList(p))
      assert.equal(check((await verify(sys, credentialOf(p))).body, 'status'), 'passed')
      const q = await hosts.signer()
      serve(q, await jsonList(q, { set: [5] }))
      const res = await verify(sys, credentialOf(q))
      assert.equal(check(res.body, 'status'), 'failed:revoked')
      assert.equal(res.body.verified, false)
      assert.match(q.host.hits.find((h) => h === LIST_PATH) ?? '', /\.json$/)
    })

    const broken: [string, (p: Partner) => Promise<Json | string>][] = [
      [
        'its proof is broken (a bit cleared after signing)',
        async (p) =>
          jsonList(p, {
            set: [5],
            edit: (l) => void ((l.credentialSubject as Json).encodedList = `u${gzipSync(Buffer.alloc(131_072 / 8)).toString('base64url')}`),
          }),
      ],
      ['it has no proof', async (p) => jsonList(p, { edit: (l) => void delete l.proof })],
      [
        "it is signed by another key under the issuer's verification method id",
        async (p) => {
          const other = await hosts.signer()
          return jsonList(p, { signer: { ...other, kid: p.kid } })
        },
      ],
      [
        'it is issued and signed by another issuer',
        async () => {
          const other = await hosts.signer()
          return jsonList(other as Partner)
        },
      ],
      [
        'it names the partner as issuer but another DID signs it',
        async (p) => {
          const other = await hosts.signer()
          return jsonList(p, { signer: other })
        },
      ],
      [
        'an expired validUntil is written under its full IRI (the proof still holds)',
        async (p) =>
          jsonList(p, {
            edit: (l) =>
              void (l['https://www.w3.org/2018/credentials#validUntil'] = {
                '@value': '2026-01-02T00:00:00Z',
                '@type': 'http://www.w3.org/2001/XMLSchema#dateTime',
              }),
          }),
      ],
      [
        'validUntil is a value object',
        async (p) => jsonList(p, { edit: (l) => void (l.validUntil = { '@value': '2026-01-02T00:00:00Z' }) }),
      ],
      [
        "the subject's type is written as @type",
        async (p) => jsonList(p, { edit: (l) => void ((l.credentialSubject as Json)['@type'] = 'BitstringStatusList') }),
      ],
      [
        'it uses another context besides VC 2.0',
        async (p) => jsonList(p, { edit: (l) => void (l['@context'] = [VC_V2_CONTEXT, { x: 'https://example.com/x' }]) }),
      ],
      ['it is not JSON', async () => '{ not json'],
      ['it is a JSON array', async (p) => JSON.stringify([await jsonList(p)])],
    ]
    for (const [when, make] of broken) {
      it(`when ${when}, then status fails with status_list_invalid`, async () => {
        const p = await hosts.signer()
        serve(p, await make(p))
        const res = await verify(sys, credentialOf(p))
        assert.equal(check(res.body, 'status'), 'failed:status_list_invalid', JSON.stringify(res.body.checks))
        assert.equal(res.body.verified, false)
        assert.notEqual(res.status, 500)
      })
    }
  })
})
