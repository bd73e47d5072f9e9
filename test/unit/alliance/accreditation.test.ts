// Which accreditation scopes are in force at a date, what they cover, which did:web DIDs an institution may name, and how
// catalogue names and queries are cut into search tokens.
import assert from 'node:assert/strict'
import { didWebProblem, scopesCover, scopesInForce } from '../../../issuer/alliance/alliance.ts'
import type { AccreditationScopeRecord } from '../../../issuer/alliance/institution-store.ts'
import { indexTokens, MAX_WORD, queryTokens } from '../../../issuer/catalogue/search-tokens.ts'

const scope = (
  id: string,
  validFrom: string,
  validUntil: string | null,
  extra: Partial<AccreditationScopeRecord> = {},
): AccreditationScopeRecord => ({
  id,
  institutionId: 'nju',
  categories: ['academic'],
  levels: [4, 5],
  fields: [],
  validFrom,
  validUntil,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
})

describe('accreditation: scopesInForce', () => {
  const scopes = [
    scope('expired', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'),
    scope('current', '2025-01-01T00:00:00.000Z', null),
    scope('future', '2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z'),
  ]
  const at = (d: string) => scopesInForce(scopes, new Date(d)).map((s) => s.id)

  it('when the date is inside a scope, then it is in force (from its first instant)', () => {
    assert.deepEqual(at('2026-03-01T00:00:00Z'), ['current'])
    assert.deepEqual(at('2024-01-01T00:00:00Z'), ['expired'])
  })
  it('when the scope has ended, then it is not in force, from the instant of validUntil on', () => {
    assert.deepEqual(at('2024-12-31T23:59:59.999Z'), ['expired'])
    assert.deepEqual(at('2025-01-01T00:00:00Z'), ['current'])
    assert.deepEqual(at('2028-06-01T00:00:00Z'), ['current'])
  })
  it('when the scope is not yet valid, then it is not in force', () => {
    assert.deepEqual(at('2023-06-01T00:00:00Z'), [])
    assert.deepEqual(at('2026-12-31T23:59:59.999Z'), ['current'])
    assert.deepEqual(at('2027-01-01T00:00:00Z'), ['current', 'future'])
  })
})

describe('accreditation: scopesCover', () => {
  const scopes = [
    scope('a', '2025-01-01T00:00:00Z', null),
    scope('n', '2025-01-01T00:00:00Z', null, { categories: ['non_academic'], levels: [3], fields: ['nursing'] }),
  ]
  it('when category, level and field are all within one scope, then it is covered; a scope with no fields covers every field', () => {
    assert.equal(scopesCover(scopes, { category: 'academic', level: 5, field: 'anything' }), true)
    assert.equal(scopesCover(scopes, { category: 'non_academic', level: 3, field: 'nursing' }), true)
  })
  it('when any of them is outside every scope, then it is not', () => {
    assert.equal(scopesCover(scopes, { category: 'academic', level: 6, field: 'cs' }), false)
    assert.equal(scopesCover(scopes, { category: 'non_academic', level: 3, field: 'welding' }), false)
    assert.equal(scopesCover(scopes, { category: 'non_academic', level: 4, field: 'nursing' }), false)
    assert.equal(scopesCover([], { category: 'academic', level: 5, field: 'cs' }), false)
  })
})

describe('institutions: didWebProblem', () => {
  it('when a did:web names a host, then it is accepted, with a port or a path', () => {
    for (const did of ['did:web:nju.edu.example', 'did:web:bank.example%3A8443', 'did:web:bank.example:branches:suzhou'])
      assert.equal(didWebProblem(did), undefined, did)
  })
  it('when it names an IP address or no domain, then it is refused', () => {
    assert.match(didWebProblem('did:web:10.0.0.1')!, /IP/)
    assert.match(didWebProblem('did:web:intranet')!, /domain/)
  })
})

describe('catalogue: search tokens', () => {
  it('when a Chinese name is indexed, then every character and every pair of consecutive characters is a token', () => {
    assert.deepEqual(indexTokens('数据结构').sort(), ['据', '据结', '数', '数据', '构', '结', '结构'].sort())
  })
  it('when an English name is indexed, then each word is lowercased and indexed by every prefix', () => {
    assert.deepEqual(indexTokens('Data AI').sort(), ['w:a', 'w:ai', 'w:d', 'w:da', 'w:dat', 'w:data'].sort())
    assert.equal(indexTokens('x'.repeat(50)).length, MAX_WORD)
  })
  it('when a name mixes both, then each part is tokenized its own way (full-width letters folded by NFKC)', () => {
    assert.deepEqual(indexTokens('Ｐｙ编程').sort(), ['w:p', 'w:py', '编', '编程', '程'].sort())
  })
  it('when a query is cut, then CJK runs give bigrams (a single character itself), longer runs are kept to re-check, words are lowercased', () => {
    assert.deepEqual(queryTokens('数据结构 DATA'), { tokens: ['数据', '据结', '结构', 'w:data'], runs: ['数据结构'] })
    assert.deepEqual(queryTokens('护'), { tokens: ['护'], runs: [] })
    assert.deepEqual(queryTokens('算法'), { tokens: ['算法'], runs: [] })
    assert.deepEqual(queryTokens('!! ？'), { tokens: [], runs: [] })
  })
})
