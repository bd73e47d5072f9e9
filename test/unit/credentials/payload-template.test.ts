// Payload templates: a payload that fits its shape's template renders to exactly JSON.stringify's text; one that does
// not fit in any way (a member more or less, another leaf type, another array length, a copy of a fixed part, a value
// JSON.stringify would drop or change) is left as its object, to be signed as before.
import assert from 'node:assert/strict'
import { compileTemplate, renderTemplate, templatePayloads, type PayloadTemplate } from '../../../issuer/credentials/payload-template.ts'

const ACHIEVEMENT = { id: 'https://bank.example/catalogue/c1', type: ['Achievement'], name: [{ '@value': '数据结构', '@language': 'zh' }] }
const ISSUER = { id: 'did:web:bank.example', type: ['Profile'] }

const payload = (i: number, extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: `urn:uuid:${i}`,
  issuer: ISSUER,
  credentialSubject: {
    identifier: [{ type: 'IdentityObject', identityHash: `sha256$${i}`, hashed: true }],
    achievement: ACHIEVEMENT,
    creditsEarned: 2.5 + i,
    result: [{ type: ['Result'], value: i % 2 ? '合格' : 'pass "quoted" \\ \n line' }],
  },
  credentialStatus: [{ id: `https://bank.example/status/1#${i}`, statusListIndex: String(i) }],
  iat: 1_790_000_000,
  ...extra,
})

const template = (): PayloadTemplate => compileTemplate(payload(0), payload(1))!

describe('payload templates', () => {
  it('renders a payload of the shape as JSON.stringify does, with the shared parts fixed and the rest as values', () => {
    const t = template()
    // The shared achievement and issuer are fixed text; the leaves of everything else are holes.
    assert.ok(t.segments.some((s) => s.includes('"name":[{"@value":"数据结构"')))
    for (let i = 0; i < 50; i++) {
      const filled = t.fill(payload(i), 3)
      assert.ok(filled, `payload ${i} fits`)
      assert.equal(filled[0], 3)
      assert.equal(renderTemplate(t.segments, filled), JSON.stringify(payload(i)))
    }
  })

  it('leaves a payload that does not fit the template to its object', () => {
    const t = template()
    const misfits: Record<string, unknown>[] = [
      payload(2, { exp: 1 }), // a member more
      (({ iat: _, ...rest }) => rest)(payload(2)), // a member less
      payload(2, { iat: '1790000000' }), // another leaf type
      payload(2, { iat: Number.NaN }), // a number JSON would write as null
      payload(2, { iat: undefined }), // a member JSON would drop
      payload(2, { issuer: { ...ISSUER } }), // a copy of a fixed part, not the part itself
      payload(2, { '@context': ['https://www.w3.org/ns/credentials/v2'] }), // another array length
      payload(2, { credentialStatus: { id: 'x', statusListIndex: '2' } }), // an object for an array
      payload(2, { iat: new Date(0) }), // an object JSON writes through its toJSON
      // A member read through the prototype, which JSON.stringify would not write (and one of its own it would).
      Object.assign(Object.create({ iat: 1_790_000_000 }) as object, (({ iat: _, ...rest }) => ({ ...rest, exp: 1 }))(payload(2))),
    ]
    for (const p of misfits) assert.equal(t.fill(p, 0), undefined, JSON.stringify(p))
  })

  it('templates each shape of a batch from its first two payloads, and leaves the rest as objects', () => {
    const payloads = [payload(0), payload(1), { other: 1 }, payload(2, { exp: 5 }), payload(3), { other: 2 }]
    const shapes = ['a', 'a', 'b', 'a', 'a', undefined]
    const out = templatePayloads(payloads, shapes)
    // Shape a: one template; shape b has a single payload (nothing to share) and the last has no shape; the payload of
    // shape a with a member more does not fit and stays an object.
    assert.equal(out.templates.length, 1)
    assert.deepEqual(
      out.payloads.map((p) => (Array.isArray(p) ? `t${p[0] as number}` : 'object')),
      ['t0', 't0', 'object', 'object', 't0', 'object'],
    )
    for (const [i, p] of out.payloads.entries())
      assert.equal(
        Array.isArray(p) ? renderTemplate(out.templates[p[0] as number]!, p as never) : JSON.stringify(p),
        JSON.stringify(payloads[i]),
      )
  })

  it('compiles no template for a payload JSON.stringify would not render member by member', () => {
    assert.equal(compileTemplate(payload(0, { f: () => 1 }), payload(1, { f: () => 1 })), undefined)
    assert.equal(compileTemplate(payload(0, { at: new Date(0) }), payload(1, { at: new Date(0) })), undefined)
  })
})
