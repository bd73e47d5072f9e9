// Tests for eddsa-rdfc-2022 Data Integrity signing and verification, proof sets included.
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { KeyResolutionError, multikeyFromPublicKey, publicKeyFromJwk, publicKeyFromMultikey } from '../../../core/did/verification-key.ts'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import {
  DataIntegrityError,
  signDataIntegrity,
  verifyDataIntegrity,
  type DataIntegritySigner,
  type ResolvedVerificationMethod,
  type VerifyDataIntegrityOptions,
} from '../../../core/proofs/data-integrity.ts'

const NOW = new Date('2025-03-01T08:00:00Z')
const BANK_DID = 'did:web:bank.example'
const PARTNER_DID = 'did:web:partner.example'

type Json = Record<string, unknown>
type Relationship = 'assertionMethod' | 'authentication'

interface TestKey {
  signer: DataIntegritySigner
  vm: ResolvedVerificationMethod
  relationships: Relationship[]
}

function makeKey(did: string, fragment: string, vmType: 'JsonWebKey' | 'Multikey', relationships: Relationship[]): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const id = `${did}#${fragment}`
  return { signer: { verificationMethod: id, privateKey, publicKey }, vm: vmFor(id, did, vmType, publicKey), relationships }
}

/** The key as a resolver gets it from a published JsonWebKey or Multikey verification method: imported by verification-key.ts. */
function vmFor(id: string, controller: string, vmType: 'JsonWebKey' | 'Multikey', publicKey: KeyObject): ResolvedVerificationMethod {
  const { kty, crv, x } = publicKey.export({ format: 'jwk' })
  const imported = vmType === 'JsonWebKey' ? publicKeyFromJwk({ kty, crv, x }) : publicKeyFromMultikey(multikeyFromPublicKey(publicKey))
  return { id, controller, publicKey: imported }
}

/** A resolver like the lead's: knows the DID documents, refuses keys not under the asked relationship. */
function resolverFor(...keys: TestKey[]): VerifyDataIntegrityOptions['resolveVerificationMethod'] {
  return async (id, purpose) => {
    const key = keys.find((k) => k.vm.id === id)
    if (key === undefined) throw new Error(`unknown verification method ${id}`)
    if (!key.relationships.includes(purpose as Relationship)) {
      throw new KeyResolutionError('verification_method_not_authorized', `${id} is not listed under ${purpose}`)
    }
    return key.vm
  }
}

function buildAchievementCredential(): Json {
  return {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
    id: 'urn:uuid:7f0d2c4e-6a1b-4e7a-9d3c-1f2e3a4b5c6d',
    type: ['VerifiableCredential', 'AchievementCredential'],
    issuer: { id: BANK_DID, type: ['Profile'], name: 'Jiangsu Credit Bank' },
    validFrom: '2025-02-01T00:00:00Z',
    name: 'Data Structures',
    awardedDate: '2025-01-20T00:00:00Z',
    credentialSubject: {
      id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://bank.example/achievements/cs-201',
        type: ['Achievement'],
        achievementType: 'Course',
        name: '数据结构 Data Structures',
        description: 'Lists, trees, graphs and their algorithms.',
        criteria: { narrative: 'Pass the final examination with at least 60 points.' },
        creditsAvailable: 4,
        fieldOfStudy: 'Computer Science',
        humanCode: 'CS-201',
        frameworkLevel: 5,
        outcomeCategory: 'academic',
      },
      creditsEarned: 4,
      result: [{ type: ['Result'], value: '87' }],
      term: '2024 autumn',
      recognizingInstitution: { id: PARTNER_DID, type: ['Profile'], name: 'Nanjing Open University' },
    },
    credentialStatus: [
      {
        id: 'https://bank.example/status-lists/1#42',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '42',
        statusListCredential: 'https://bank.example/status-lists/1',
      },
    ],
  }
}

function buildCertificationReportCredential(): Json {
  return {
    '@context': [VC_V2_CONTEXT, CREDIT_BANK_CONTEXT],
    id: 'urn:uuid:0c9b1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4',
    type: ['VerifiableCredential', 'CertificationReportCredential'],
    issuer: BANK_DID,
    validFrom: '2025-02-15T00:00:00Z',
    credentialSubject: {
      type: ['CertificationReport'],
      reportNumber: 'JS-2025-000123',
      learner: { name: '张三' },
      coveredCredentials: [
        {
          id: 'urn:uuid:7f0d2c4e-6a1b-4e7a-9d3c-1f2e3a4b5c6d',
          name: 'Data Structures',
          creditsEarned: 4,
          frameworkLevel: 5,
          outcomeCategory: 'academic',
        },
        {
          id: 'urn:uuid:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
          name: 'Computer Operator (Level 4)',
          creditsEarned: 2.5,
          frameworkLevel: 3,
          outcomeCategory: 'non_academic',
        },
      ],
      creditTotals: { totalCredits: 6.5, byCategory: { academic: 4, non_academic: 2.5 }, byLevel: { '3': 2.5, '5': 4 } },
    },
    relatedResource: [
      {
        id: 'https://bank.example/reports/JS-2025-000123.pdf',
        digestSRI: 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC',
      },
    ],
  }
}

/** Returns a deep copy with `edit` applied, so tampering never touches the signed original. */
function tampered<T>(document: T, edit: (copy: Json) => void): T {
  const copy = structuredClone(document) as Json
  edit(copy)
  return copy as T
}

const at = (value: unknown, ...path: (string | number)[]): Json => path.reduce<unknown>((node, key) => (node as Json)[key], value) as Json

describe('signDataIntegrity / verifyDataIntegrity (eddsa-rdfc-2022)', () => {
  let bankJwk: TestKey // the bank publishes JsonWebKey VMs
  let partnerMultikey: TestKey
  let authOnly: TestKey // a key listed only under authentication
  let holder: TestKey

  before(async () => {
    bankJwk = makeKey(BANK_DID, 'key-1', 'JsonWebKey', ['assertionMethod'])
    const partnerPair = generateKeyPairSync('ed25519')
    partnerMultikey = {
      signer: { verificationMethod: `${PARTNER_DID}#key-1`, ...partnerPair },
      vm: vmFor(`${PARTNER_DID}#key-1`, PARTNER_DID, 'Multikey', partnerPair.publicKey),
      relationships: ['assertionMethod'],
    }
    authOnly = makeKey(BANK_DID, 'auth-1', 'JsonWebKey', ['authentication'])
    holder = makeKey('did:web:learner.example', 'key-1', 'JsonWebKey', ['authentication'])
  })

  const assertionOpts = (...keys: TestKey[]): VerifyDataIntegrityOptions => ({
    resolveVerificationMethod: resolverFor(...keys),
    proofPurpose: 'assertionMethod',
    now: NOW,
  })

  describe('signing', () => {
    it('when an AchievementCredential is signed with a JsonWebKey VM, then it verifies and has one proof object', async () => {
      const vc = await signDataIntegrity(buildAchievementCredential(), bankJwk.signer, { created: NOW })
      const proof = vc.proof as Json
      assert.equal(Array.isArray(proof), false)
      assert.equal(proof.type, 'DataIntegrityProof')
      assert.equal(proof.cryptosuite, 'eddsa-rdfc-2022')
      assert.equal(proof.proofPurpose, 'assertionMethod')
      assert.equal(proof.verificationMethod, `${BANK_DID}#key-1`)
      assert.equal(proof.created, '2025-03-01T08:00:00Z')
      assert.match(String(proof.proofValue), /^z[1-9A-HJ-NP-Za-km-z]+$/)

      const result = await verifyDataIntegrity(vc, assertionOpts(bankJwk))
      assert.deepEqual(result, { verified: true, proofs: [{ verificationMethod: `${BANK_DID}#key-1`, verified: true }] })
    })

    it('when a CertificationReportCredential is signed with a Multikey VM, then it verifies', async () => {
      const vc = await signDataIntegrity(buildCertificationReportCredential(), partnerMultikey.signer, { created: NOW })
      const result = await verifyDataIntegrity(vc, assertionOpts(partnerMultikey))
      assert.equal(result.verified, true, result.message)
    })

    it('when the subject is bound by a hashed identifier (no DID) and names a region, then it signs and verifies', async () => {
      const input = tampered(buildAchievementCredential(), (c) => {
        const subject = at(c, 'credentialSubject')
        delete subject.id
        subject.identifier = [
          {
            type: 'IdentityObject',
            hashed: true,
            identityHash: 'sha256$6a3b0f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
            identityType: 'identifier',
            salt: 'q8Zr3t',
          },
        ]
        at(c, 'credentialSubject', 'recognizingInstitution').region = 'Jiangsu'
      })
      const vc = await signDataIntegrity(input, bankJwk.signer, { created: NOW })
      assert.equal((await verifyDataIntegrity(vc, assertionOpts(bankJwk))).verified, true)
      const moved = tampered(vc, (c) => (at(c, 'credentialSubject', 'recognizingInstitution').region = 'Shanghai'))
      assert.equal((await verifyDataIntegrity(moved, assertionOpts(bankJwk))).code, 'signature_invalid')
    })

    it('when signing, then the input document is not mutated', async () => {
      const input = buildAchievementCredential()
      const before = structuredClone(input)
      const once = await signDataIntegrity(input, bankJwk.signer, { created: NOW })
      await signDataIntegrity(once, partnerMultikey.signer, { created: NOW })
      assert.deepEqual(input, before)
      assert.equal(Array.isArray(once.proof), false)
    })

    it('when the document uses a term no context defines, then signing fails with jsonld_safe_mode', async () => {
      const input = tampered(buildAchievementCredential(), (c) => {
        at(c, 'credentialSubject').gpa = 3.9
      })
      await assert.rejects(signDataIntegrity(input, bankJwk.signer, { created: NOW }), (err: unknown) => {
        assert.ok(err instanceof DataIntegrityError)
        assert.equal(err.code, 'jsonld_safe_mode')
        return true
      })
    })

    it('when the document names an unknown context, then signing fails with unknown_context', async () => {
      const input = tampered(buildAchievementCredential(), (c) => {
        c['@context'] = [VC_V2_CONTEXT, 'https://evil.example/ctx.jsonld']
      })
      await assert.rejects(signDataIntegrity(input, bankJwk.signer, { created: NOW }), { code: 'unknown_context' })
    })

    it('when the signer is inconsistent or the options are incomplete, then TypeError and nothing is signed', async () => {
      const other = generateKeyPairSync('ed25519')
      const cases: [DataIntegritySigner, Parameters<typeof signDataIntegrity>[2]][] = [
        [{ ...bankJwk.signer, publicKey: other.publicKey }, { created: NOW }],
        [{ ...bankJwk.signer, verificationMethod: 'key-1' }, { created: NOW }],
        [{ ...bankJwk.signer, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }, { created: NOW }],
        [bankJwk.signer, { created: new Date('nonsense') }],
        [bankJwk.signer, { created: NOW, proofPurpose: 'authentication' }],
      ]
      for (const [signer, opts] of cases) {
        await assert.rejects(signDataIntegrity(buildAchievementCredential(), signer, opts), TypeError)
      }
    })
  })

  describe('credit-bank terms inside Open Badges 3.0 nodes', () => {
    // Safe mode would have refused to sign a dropped term; tampering each one proves it is also signed.
    const edits: [string, (c: Json) => void][] = [
      ['achievement.frameworkLevel', (c) => (at(c, 'credentialSubject', 'achievement').frameworkLevel = 6)],
      ['achievement.outcomeCategory', (c) => (at(c, 'credentialSubject', 'achievement').outcomeCategory = 'non_academic')],
      ['recognizingInstitution.name', (c) => (at(c, 'credentialSubject', 'recognizingInstitution').name = 'Someone Else')],
      ['recognizingInstitution.id', (c) => (at(c, 'credentialSubject', 'recognizingInstitution').id = 'did:web:evil.example')],
      ['creditsEarned', (c) => (at(c, 'credentialSubject').creditsEarned = 40)],
      ['result[0].value', (c) => (at(c, 'credentialSubject', 'result', 0).value = '99')],
      ['awardedDate', (c) => (c.awardedDate = '2025-01-21T00:00:00Z')],
      ['credentialStatus[0].statusListIndex', (c) => (at(c, 'credentialStatus', 0).statusListIndex = '43')],
    ]
    for (const [what, edit] of edits) {
      it(`when ${what} is changed after signing, then signature_invalid`, async () => {
        const vc = await signDataIntegrity(buildAchievementCredential(), bankJwk.signer, { created: NOW })
        const result = await verifyDataIntegrity(tampered(vc, edit), assertionOpts(bankJwk))
        assert.equal(result.verified, false)
        assert.equal(result.code, 'signature_invalid')
        assert.equal(result.proofs[0]?.code, 'signature_invalid')
      })
    }

    it('when a certification report total or per-category map is changed, then signature_invalid', async () => {
      const vc = await signDataIntegrity(buildCertificationReportCredential(), bankJwk.signer, { created: NOW })
      const edits: ((c: Json) => void)[] = [
        (c) => (at(c, 'credentialSubject', 'creditTotals').totalCredits = 16.5),
        (c) => (at(c, 'credentialSubject', 'creditTotals', 'byCategory').academic = 14),
        (c) => (at(c, 'credentialSubject', 'coveredCredentials', 1).frameworkLevel = 4),
        (c) => (at(c, 'credentialSubject', 'coveredCredentials', 0).creditsEarned = 5),
        (c) => (at(c, 'credentialSubject', 'learner').name = '李四'),
        (c) => (at(c, 'credentialSubject').reportNumber = 'JS-2025-000124'),
        (c) => (at(c, 'relatedResource', 0).digestSRI = 'sha384-AAAA'),
      ]
      for (const edit of edits) {
        const result = await verifyDataIntegrity(tampered(vc, edit), assertionOpts(bankJwk))
        assert.equal(result.code, 'signature_invalid')
      }
    })
  })

  describe('verification failures', () => {
    let signed: Json
    before(async () => {
      signed = await signDataIntegrity(buildAchievementCredential(), bankJwk.signer, { created: NOW })
    })

    it('when the document has no proof, then no_proof', async () => {
      const { proof: _proof, ...unsigned } = signed
      for (const doc of [unsigned, { ...unsigned, proof: [] }]) {
        const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk))
        assert.deepEqual(result, { verified: false, proofs: [], code: 'no_proof', message: 'the document has no proof' })
      }
    })

    it('when proof is a string, null or a number, then malformed_proof (not a thrown TypeError)', async () => {
      for (const proof of ['eyJ...', null, 4]) {
        const result = await verifyDataIntegrity({ ...signed, proof }, assertionOpts(bankJwk))
        assert.equal(result.verified, false)
        assert.equal(result.code, 'malformed_proof')
      }
      const notAnObject = await verifyDataIntegrity(null as unknown as object, assertionOpts(bankJwk))
      assert.equal(notAnObject.code, 'malformed_proof')
      const itemNotAnObject = await verifyDataIntegrity({ ...signed, proof: [signed.proof, 'x'] }, assertionOpts(bankJwk))
      assert.deepEqual(
        itemNotAnObject.proofs.map((p) => [p.verified, p.code]),
        [
          [true, undefined],
          [false, 'malformed_proof'],
        ],
      )
    })

    it('when the proof value is altered, then signature_invalid; when it is not base58btc, then malformed_proof', async () => {
      const value = String((signed.proof as Json).proofValue)
      const flipped = value.slice(0, 10) + (value[10] === 'a' ? 'b' : 'a') + value.slice(11)
      const altered = await verifyDataIntegrity(
        tampered(signed, (c) => (at(c, 'proof').proofValue = flipped)),
        assertionOpts(bankJwk),
      )
      assert.equal(altered.code, 'signature_invalid')
      for (const bad of ['u' + value.slice(1), 'z0OIl', 42]) {
        const result = await verifyDataIntegrity(
          tampered(signed, (c) => (at(c, 'proof').proofValue = bad)),
          assertionOpts(bankJwk),
        )
        assert.equal(result.code, 'malformed_proof', String(bad))
      }
    })

    it('when a signed proof option (created) is altered, then signature_invalid', async () => {
      const doc = tampered(signed, (c) => (at(c, 'proof').created = '2025-03-01T07:59:00Z'))
      assert.equal((await verifyDataIntegrity(doc, assertionOpts(bankJwk))).code, 'signature_invalid')
    })

    it('when the cryptosuite or proof type is another one, then unsupported_cryptosuite', async () => {
      for (const edit of [
        (p: Json) => (p.cryptosuite = 'eddsa-jcs-2022'),
        (p: Json) => (p.cryptosuite = 'ecdsa-rdfc-2019'),
        (p: Json) => (p.type = 'Ed25519Signature2020'),
        (p: Json) => delete p.cryptosuite,
      ]) {
        const result = await verifyDataIntegrity(
          tampered(signed, (c) => edit(at(c, 'proof'))),
          assertionOpts(bankJwk),
        )
        assert.equal(result.code, 'unsupported_cryptosuite')
      }
    })

    it('when created is more than 5 minutes in the future or not a dateTimeStamp, then malformed_proof', async () => {
      const justInside = await verifyDataIntegrity(signed, { ...assertionOpts(bankJwk), now: new Date(NOW.getTime() - 299_000) })
      assert.equal(justInside.verified, true)
      const future = await verifyDataIntegrity(signed, { ...assertionOpts(bankJwk), now: new Date(NOW.getTime() - 301_000) })
      assert.equal(future.code, 'malformed_proof')
      const noZone = await verifyDataIntegrity(
        tampered(signed, (c) => (at(c, 'proof').created = '2025-03-01T08:00:00')),
        assertionOpts(bankJwk),
      )
      assert.equal(noZone.code, 'malformed_proof')
    })

    it('when the document names an unknown @context, then unknown_context and no network request', async () => {
      const realFetch = globalThis.fetch
      let fetchCalls = 0
      globalThis.fetch = async () => {
        fetchCalls++
        throw new Error('network is not allowed in this test')
      }
      try {
        const doc = tampered(signed, (c) => (c['@context'] = [...(c['@context'] as string[]), 'https://example.com/ctx/v9']))
        const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk))
        assert.equal(result.code, 'unknown_context')
        assert.match(String(result.message), /example\.com\/ctx\/v9/)
      } finally {
        globalThis.fetch = realFetch
      }
      assert.equal(fetchCalls, 0)
    })

    it('when a term defined in no context is added, then jsonld_safe_mode', async () => {
      const doc = tampered(signed, (c) => (at(c, 'credentialSubject', 'achievement').secretGrade = 'A+'))
      const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk))
      assert.equal(result.code, 'jsonld_safe_mode')
      assert.match(String(result.message), /secretGrade/)
    })

    it('when an inline context redefines a protected term, then jsonld_not_compact before any JSON-LD processing', async () => {
      const doc = tampered(signed, (c) => {
        c['@context'] = [...(c['@context'] as string[]), { VerifiableCredential: 'https://evil.example/vc' }]
      })
      assert.equal((await verifyDataIntegrity(doc, assertionOpts(bankJwk))).code, 'jsonld_not_compact')
    })

    it('when the resolver refuses the key (not under assertionMethod), then the proof fails with its code', async () => {
      const vc = await signDataIntegrity(buildAchievementCredential(), authOnly.signer, { created: NOW })
      const result = await verifyDataIntegrity(vc, assertionOpts(bankJwk, authOnly))
      assert.equal(result.verified, false)
      assert.equal(result.code, 'verification_method_not_authorized')
      assert.deepEqual(
        result.proofs.map((p) => [p.verificationMethod, p.code]),
        [[`${BANK_DID}#auth-1`, 'verification_method_not_authorized']],
      )
    })

    it('when the resolver is asked, then it gets the proof purpose being verified', async () => {
      const asked: [string, string][] = []
      await verifyDataIntegrity(signed, {
        ...assertionOpts(bankJwk),
        resolveVerificationMethod: async (id, purpose) => {
          asked.push([id, purpose])
          return bankJwk.vm
        },
      })
      assert.deepEqual(asked, [[`${BANK_DID}#key-1`, 'assertionMethod']])
    })

    it('when the resolver throws without a code, returns another VM, or a VM with no usable key, then verification_method_unresolved', async () => {
      const resolvers: VerifyDataIntegrityOptions['resolveVerificationMethod'][] = [
        async () => {
          throw new Error('DID document not found')
        },
        async () => ({ ...partnerMultikey.vm }),
        async () => ({ ...bankJwk.vm, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey }),
        async () => ({ ...bankJwk.vm, publicKey: bankJwk.signer.privateKey }),
        async () => ({ id: bankJwk.vm.id, controller: BANK_DID }) as unknown as ResolvedVerificationMethod,
        async () => ({ id: bankJwk.vm.id, controller: BANK_DID, publicKey: 'zNotAKey' }) as unknown as ResolvedVerificationMethod,
      ]
      for (const resolveVerificationMethod of resolvers) {
        const result = await verifyDataIntegrity(signed, { ...assertionOpts(bankJwk), resolveVerificationMethod })
        assert.equal(result.code, 'verification_method_unresolved')
      }
    })

    it('when the right VM id resolves to another public key, then signature_invalid', async () => {
      const result = await verifyDataIntegrity(signed, {
        ...assertionOpts(bankJwk),
        resolveVerificationMethod: async () => ({ ...partnerMultikey.vm, id: bankJwk.vm.id, controller: BANK_DID }),
      })
      assert.equal(result.code, 'signature_invalid')
    })

    it('when the proof purpose is not the expected one, then proof_purpose_mismatch', async () => {
      const doc = tampered(signed, (c) => (at(c, 'proof').proofPurpose = 'capabilityInvocation'))
      assert.equal((await verifyDataIntegrity(doc, assertionOpts(bankJwk))).code, 'proof_purpose_mismatch')
    })
  })

  describe('proof sets (co-signing)', () => {
    let cosigned: Json
    before(async () => {
      const once = await signDataIntegrity(buildAchievementCredential(), bankJwk.signer, { created: NOW })
      cosigned = await signDataIntegrity(once, partnerMultikey.signer, { created: new Date(NOW.getTime() + 60_000) })
    })

    it('when two signers sign in turn, then proof is an array of two and both verify', async () => {
      assert.ok(Array.isArray(cosigned.proof))
      assert.equal(cosigned.proof.length, 2)
      const result = await verifyDataIntegrity(cosigned, assertionOpts(bankJwk, partnerMultikey))
      assert.deepEqual(result, {
        verified: true,
        proofs: [
          { verificationMethod: `${BANK_DID}#key-1`, verified: true },
          { verificationMethod: `${PARTNER_DID}#key-1`, verified: true },
        ],
      })
    })

    it('when one proof is removed, then the remaining proof still verifies on its own', async () => {
      const onlyPartner = tampered(cosigned, (c) => (c.proof = (c.proof as Json[]).slice(1)))
      const result = await verifyDataIntegrity(onlyPartner, assertionOpts(bankJwk, partnerMultikey))
      assert.equal(result.verified, true)
      assert.deepEqual(
        result.proofs.map((p) => p.verificationMethod),
        [`${PARTNER_DID}#key-1`],
      )
    })

    it('when one proof of the set is altered, then the set fails and the per-proof results say which', async () => {
      const doc = tampered(cosigned, (c) => {
        const second = (c.proof as Json[])[1] as Json
        second.created = '2025-03-01T08:02:00Z'
      })
      const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk, partnerMultikey))
      assert.equal(result.verified, false)
      assert.equal(result.code, 'signature_invalid')
      assert.deepEqual(
        result.proofs.map((p) => [p.verificationMethod, p.verified, p.code]),
        [
          [`${BANK_DID}#key-1`, true, undefined],
          [`${PARTNER_DID}#key-1`, false, 'signature_invalid'],
        ],
      )
    })

    it('when one co-signer is not trusted by the resolver, then the set fails on that proof only', async () => {
      const result = await verifyDataIntegrity(cosigned, assertionOpts(bankJwk))
      assert.equal(result.verified, false)
      assert.deepEqual(
        result.proofs.map((p) => p.verified),
        [true, false],
      )
    })

    it('when a claim is changed, then every proof of the set reports signature_invalid', async () => {
      const doc = tampered(cosigned, (c) => (at(c, 'credentialSubject').creditsEarned = 8))
      const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk, partnerMultikey))
      assert.deepEqual(
        result.proofs.map((p) => p.code),
        ['signature_invalid', 'signature_invalid'],
      )
    })

    it('when a proof of another suite joins the set, then the set fails and that proof says unsupported_cryptosuite', async () => {
      const doc = tampered(cosigned, (c) => {
        ;(c.proof as Json[]).push({ ...((c.proof as Json[])[0] as Json), cryptosuite: 'eddsa-jcs-2022' })
      })
      const result = await verifyDataIntegrity(doc, assertionOpts(bankJwk, partnerMultikey))
      assert.equal(result.verified, false)
      assert.deepEqual(
        result.proofs.map((p) => p.code),
        [undefined, undefined, 'unsupported_cryptosuite'],
      )
    })
  })

  describe('authentication proofs (presentations)', () => {
    const presentation = (): Json => ({
      '@context': [VC_V2_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: 'did:web:learner.example',
    })
    const authOpts = (challenge: string, domain?: string): VerifyDataIntegrityOptions => ({
      resolveVerificationMethod: resolverFor(holder),
      proofPurpose: 'authentication',
      challenge,
      ...(domain === undefined ? {} : { domain }),
      now: NOW,
    })

    let vp: Json
    before(async () => {
      vp = await signDataIntegrity(presentation(), holder.signer, {
        created: NOW,
        proofPurpose: 'authentication',
        challenge: 'c-7f3a9e',
        domain: 'https://verifier.example',
      })
    })

    it('when challenge and domain match, then verifies', async () => {
      const proof = vp.proof as Json
      assert.equal(proof.challenge, 'c-7f3a9e')
      assert.equal(proof.domain, 'https://verifier.example')
      const result = await verifyDataIntegrity(vp, authOpts('c-7f3a9e', 'https://verifier.example'))
      assert.equal(result.verified, true, result.message)
    })

    it('when the challenge differs, then challenge_mismatch; when the domain differs, then domain_mismatch', async () => {
      assert.equal((await verifyDataIntegrity(vp, authOpts('c-other', 'https://verifier.example'))).code, 'challenge_mismatch')
      assert.equal((await verifyDataIntegrity(vp, authOpts('c-7f3a9e', 'https://other.example'))).code, 'domain_mismatch')
    })

    it('when the proof challenge is rewritten to the expected one, then signature_invalid', async () => {
      const doc = tampered(vp, (c) => (at(c, 'proof').challenge = 'c-new'))
      assert.equal((await verifyDataIntegrity(doc, authOpts('c-new'))).code, 'signature_invalid')
    })

    it('when an authentication proof is verified as assertionMethod (or the reverse), then proof_purpose_mismatch', async () => {
      const asAssertion = await verifyDataIntegrity(vp, { ...assertionOpts(holder), challenge: 'c-7f3a9e' })
      assert.equal(asAssertion.code, 'proof_purpose_mismatch')
      const vc = await signDataIntegrity(buildAchievementCredential(), bankJwk.signer, { created: NOW })
      const asAuth = await verifyDataIntegrity(vc, { ...authOpts('c-7f3a9e'), resolveVerificationMethod: resolverFor(bankJwk) })
      assert.equal(asAuth.code, 'proof_purpose_mismatch')
    })

    it('when an authentication proof is verified without an expected challenge, then TypeError (programmer error)', async () => {
      await assert.rejects(
        verifyDataIntegrity(vp, { resolveVerificationMethod: resolverFor(holder), proofPurpose: 'authentication', now: NOW }),
        TypeError,
      )
    })
  })
})
