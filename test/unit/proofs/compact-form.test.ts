// The compact-form rule (core/proofs/compact-form.ts) and the property of the allow-listed contexts it relies on.
import assert from 'node:assert/strict'
import { CONTEXTS } from '../../../core/credentials/contexts.ts'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_EXAMPLES_V2_CONTEXT, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import { findNonCompactForm } from '../../../core/proofs/compact-form.ts'
import { buildAchievementCredential, TEST_ISSUER_DID } from '../../../fixtures/builders.ts'

const ALLOWED = new Set(CONTEXTS.keys())
const STATUS = {
  id: 'https://bank.example/status-lists/1/revocation#7',
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: '7',
  statusListCredential: 'https://bank.example/status-lists/1/revocation',
}
const secured = () => ({
  ...buildAchievementCredential(TEST_ISSUER_DID),
  id: 'urn:uuid:5f0c4a3e-6d0b-4e55-9a57-6f1f2f0a0b01',
  credentialStatus: [STATUS],
  proof: {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-rdfc-2022',
    created: '2026-03-01T08:00:00Z',
    verificationMethod: `${TEST_ISSUER_DID}#key-1`,
    proofPurpose: 'assertionMethod',
    proofValue: 'z3FXQ',
  },
})

describe('findNonCompactForm', () => {
  it('when a credential is written as conforming issuers write it, then it is in compact form', () => {
    assert.equal(findNonCompactForm(secured(), ALLOWED), undefined)
  })

  it('when it uses a single value where the context allows an array, another member order or another allow-listed context, then it is still compact form', () => {
    const { credentialStatus: _s, ...rest } = secured()
    const reordered = Object.fromEntries(
      Object.entries({ ...rest, credentialStatus: STATUS, type: ['VerifiableCredential', 'AchievementCredential'] }).reverse(),
    )
    assert.equal(findNonCompactForm(reordered, ALLOWED), undefined)
    assert.equal(findNonCompactForm({ ...secured(), '@context': [VC_V2_CONTEXT, CREDIT_BANK_CONTEXT, OB3_CONTEXT] }, ALLOWED), undefined)
  })

  it('when a language-tagged value object is used (VC DM 2.0 §11.1), then it is compact form', () => {
    assert.equal(findNonCompactForm({ ...secured(), name: { '@value': '数据结构', '@language': 'zh' } }, ALLOWED), undefined)
    assert.equal(findNonCompactForm({ ...secured(), name: { '@value': 'Data', '@direction': 'ltr' } }, ALLOWED), undefined)
  })

  // Each of these says the same RDF as the compact form while hiding a value from code that reads members by name.
  const rewrites: [string, (c: Record<string, unknown>) => void, string, string][] = [
    [
      'credentialStatus under its full IRI',
      (c) => {
        c['https://www.w3.org/2018/credentials#credentialStatus'] = c.credentialStatus
        delete c.credentialStatus
      },
      '/https:~1~1www.w3.org~12018~1credentials#credentialStatus',
      'jsonld_not_compact',
    ],
    [
      'a compact IRI as a key',
      (c) => {
        c['cred:validUntil'] = '2020-01-01T00:00:00Z'
      },
      '/cred:validUntil',
      'jsonld_not_compact',
    ],
    [
      'statusPurpose as a bare value object',
      (c) => {
        ;(c.credentialStatus as Record<string, unknown>[])[0]!.statusPurpose = { '@value': 'revocation' }
      },
      '/credentialStatus/0/statusPurpose',
      'jsonld_not_compact',
    ],
    [
      'validUntil as a typed value object',
      (c) => {
        c.validUntil = { '@value': '2020-01-01T00:00:00Z', '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' }
      },
      '/validUntil',
      'jsonld_not_compact',
    ],
    [
      '"@id" for the subject id',
      (c) => {
        const s = c.credentialSubject as Record<string, unknown>
        s['@id'] = s.id
        delete s.id
      },
      '/credentialSubject/@id',
      'jsonld_not_compact',
    ],
    [
      '"@type" for type',
      (c) => {
        c['@type'] = c.type
        delete c.type
      },
      '/@type',
      'jsonld_not_compact',
    ],
    [
      'an @graph wrapper',
      (c) => {
        c['@graph'] = []
      },
      '/@graph',
      'jsonld_not_compact',
    ],
    [
      'an inline context aliasing credentialStatus',
      (c) => {
        c['@context'] = [...(c['@context'] as string[]), { hidden: 'https://www.w3.org/2018/credentials#credentialStatus' }]
      },
      '/@context',
      'jsonld_not_compact',
    ],
    [
      'an empty context',
      (c) => {
        ;(c.credentialSubject as Record<string, unknown>)['@context'] = []
      },
      '/credentialSubject/@context',
      'jsonld_not_compact',
    ],
    [
      'a context URL that is not bundled',
      (c) => {
        c['@context'] = [VC_V2_CONTEXT, 'https://evil.example/ctx']
      },
      '/@context',
      'unknown_context',
    ],
    [
      'proof.expires under its full IRI',
      (c) => {
        ;(c.proof as Record<string, unknown>)['https://w3id.org/security#expiration'] = '2020-01-01T00:00:00Z'
      },
      '/proof/https:~1~1w3id.org~1security#expiration',
      'jsonld_not_compact',
    ],
    [
      'a value object with an unknown member',
      (c) => {
        c.name = { '@value': 'x', '@language': 'en', '@index': 'i' }
      },
      '/name',
      'jsonld_not_compact',
    ],
  ]
  for (const [what, edit, path, code] of rewrites) {
    it(`when ${what}, then it is refused with ${code} at ${path}`, () => {
      const doc = structuredClone(secured()) as Record<string, unknown>
      edit(doc)
      const problem = findNonCompactForm(doc, ALLOWED)
      assert.equal(problem?.code, code)
      assert.equal(problem?.path, path)
      assert.ok(problem!.message.length > 10)
    })
  }

  it('when the document is 10,000 levels deep, then it is walked without overflowing the stack', () => {
    let deep: Record<string, unknown> = { name: 'leaf' }
    for (let i = 0; i < 10_000; i++) deep = { description: [deep] }
    assert.equal(findNonCompactForm({ '@context': [VC_V2_CONTEXT], credentialSubject: deep }, ALLOWED), undefined)
  })
})

/**
 * The compact-form rule makes every member name a term of an allow-listed context. That is enough only if the contexts
 * give a property no second name: a second term for credentialStatus would let a document move it where no check looks.
 * This walks every term definition, at the top and in scoped contexts, and pins what the allow-list defines. Adding a
 * context makes this test say whether it opens such a door.
 */
describe('allow-listed JSON-LD contexts', () => {
  interface Definitions {
    keywordAliases: Set<string>
    byIri: Map<string, Set<string>>
    containers: Set<string>
    reverse: string[]
    vocab: string[]
  }
  const defs: Definitions = { keywordAliases: new Set(), byIri: new Map(), containers: new Set(), reverse: [], vocab: [] }

  function walk(context: unknown, inherited: Record<string, string>, where: string): void {
    if (Array.isArray(context)) return context.forEach((c) => walk(c, inherited, where))
    if (typeof context !== 'object' || context === null) return
    const local = context as Record<string, unknown>
    if (local['@vocab'] !== undefined) defs.vocab.push(where)
    // Prefixes and term references resolve against this context and the ones around it.
    const terms: Record<string, string> = { ...inherited }
    for (const [term, def] of Object.entries(local)) {
      const id = typeof def === 'string' ? def : (def as { '@id'?: unknown } | null)?.['@id']
      if (typeof id === 'string' && !term.startsWith('@')) terms[term] = id
    }
    const resolve = (iri: string, depth = 0): string => {
      if (depth > 8 || iri.startsWith('@')) return iri
      const colon = iri.indexOf(':')
      if (colon > 0 && terms[iri.slice(0, colon)] !== undefined && !iri.slice(colon + 1).startsWith('//'))
        return resolve(terms[iri.slice(0, colon)]! + iri.slice(colon + 1), depth + 1)
      if (colon < 0 && terms[iri] !== undefined && terms[iri] !== iri) return resolve(terms[iri]!, depth + 1)
      return iri
    }
    for (const [term, def] of Object.entries(local)) {
      if (term.startsWith('@')) continue
      const object = typeof def === 'object' && def !== null ? (def as Record<string, unknown>) : {}
      if (object['@reverse'] !== undefined) defs.reverse.push(term)
      for (const c of [object['@container']].flat()) if (typeof c === 'string') defs.containers.add(c)
      const id = typeof def === 'string' ? def : object['@id']
      if (typeof id === 'string') {
        const iri = resolve(id)
        if (iri.startsWith('@')) defs.keywordAliases.add(`${term}→${iri}`)
        else defs.byIri.set(iri, new Set([...(defs.byIri.get(iri) ?? []), term]))
      }
      if (object['@context'] !== undefined) walk(object['@context'], terms, `${where}/${term}`)
    }
  }
  for (const [url, document] of CONTEXTS) walk((document as { '@context': unknown })['@context'], {}, url)

  it('alias no keyword but id → @id and type → @type', () => {
    assert.deepEqual([...defs.keywordAliases].sort(), ['id→@id', 'type→@type'])
  })

  it('define @vocab only in the W3C examples context, no @reverse terms and no @nest or @index containers', () => {
    // Its @vocab maps any otherwise undefined member to https://www.w3.org/ns/credentials/examples#<name>: a name of
    // its own, never a second name for a property of the VC, status or OB 3.0 vocabularies.
    assert.deepEqual(defs.vocab, [VC_EXAMPLES_V2_CONTEXT])
    assert.deepEqual(CONTEXTS.get(VC_EXAMPLES_V2_CONTEXT), { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } })
    assert.deepEqual(defs.reverse, [])
    assert.equal(defs.containers.has('@nest'), false)
    assert.equal(defs.containers.has('@index'), false)
  })

  it('give no property two names, except class/property pairs of the OB 3.0 vocabulary that name no checked value', () => {
    const twoNames = [...defs.byIri].filter(([, terms]) => terms.size > 1).map(([iri, terms]) => `${iri} ${[...terms].sort().join(' ')}`)
    // OB 3.0 uses one IRI for a class and a property: "Criteria"/"criteria", "GeoCoordinates"/"geo", and the type alias
    // "AchievementCredential" of "OpenBadgeCredential" (a type value, never a member name). Writing `Criteria` as a member
    // name hides `criteria`, which the OB 3.0 schema then reports missing: it can only fail a credential, never pass one.
    assert.deepEqual(twoNames.sort(), [
      'https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria Criteria criteria',
      'https://purl.imsglobal.org/spec/vc/ob/vocab.html#GeoCoordinates GeoCoordinates geo',
      'https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential AchievementCredential OpenBadgeCredential',
    ])
  })
})
