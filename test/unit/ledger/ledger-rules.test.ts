// The ledger's caps as a pure function: the same entries and rules give the same answer whatever order they come in;
// each kind holds back exactly what is beyond it; terms derived from awarded dates; parameters checked per kind.
import assert from 'node:assert/strict'
import { AppError } from '../../../core/errors.ts'
import { applyRules, checkRuleParameters, termOf, type LedgerEntry } from '../../../issuer/ledger/ledger-rules.ts'
import type { LedgerRuleKind, LedgerRuleRecord } from '../../../issuer/ledger/ledger-rule-store.ts'

const entry = (id: string, awardedDate: string, credits: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id,
  source: 'outcome',
  credentialId: `urn:uuid:${id}`,
  name: { zh: id, en: id },
  code: id,
  level: 5,
  category: 'academic',
  field: 'computer-science',
  institutionId: 'uni-a',
  credits,
  awardedDate,
  year: Number(awardedDate.slice(0, 4)),
  term: termOf(awardedDate),
  ...over,
})

const rule = (id: string, kind: LedgerRuleKind, parameters: Record<string, unknown>, active = true): LedgerRuleRecord => ({
  id,
  kind,
  nameZh: id,
  nameEn: id,
  parameters,
  active,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
})

const outcome = (r: ReturnType<typeof applyRules>) => ({
  counted: r.counted.map((e) => e.id),
  heldBack: r.heldBack.map((h) => [h.entry.id, h.rule.id]),
})

describe('ledger rules (issuer/ledger/ledger-rules.ts)', () => {
  it('when entries and rules come in any order, then the answer is the same: entries by awarded date then id, rules by kind then id', () => {
    const entries = [
      entry('e3', '2025-03-01', 3),
      entry('e1', '2025-01-01', 3),
      entry('e2b', '2025-02-01', 3),
      entry('e2a', '2025-02-01', 3),
    ]
    const rules = [rule('r-inst', 'per_institution', { maxCredits: 100 }), rule('r-year', 'per_year', { maxCredits: 7 })]
    const expected = {
      counted: ['e1', 'e2a'],
      heldBack: [
        ['e2b', 'r-year'],
        ['e3', 'r-year'],
      ],
    }
    assert.deepEqual(outcome(applyRules(entries, rules)), expected)
    assert.deepEqual(outcome(applyRules([...entries].reverse(), [...rules].reverse())), expected)
  })

  it('when an entry fits no more, then it is held back whole and a later smaller one may still count', () => {
    const r = applyRules(
      [entry('a', '2025-01-01', 4), entry('b', '2025-02-01', 4), entry('c', '2025-03-01', 1.5)],
      [rule('cap', 'per_year', { maxCredits: 6 })],
    )
    assert.deepEqual(outcome(r), { counted: ['a', 'c'], heldBack: [['b', 'cap']] })
  })

  it('when caps are narrowed by category, term, institution or field, then only their own entries are counted against them', () => {
    const entries = [
      entry('t1', '2024-09-10', 10),
      entry('t2', '2024-12-10', 10),
      entry('t3', '2025-03-10', 10),
      entry('n1', '2025-03-11', 2, { category: 'non_academic', field: 'software' }),
      entry('n2', '2025-03-12', 2, { category: 'non_academic', field: 'software' }),
      entry('n3', '2025-03-13', 2, { category: 'non_academic', field: 'culture', institutionId: null }),
      entry('b1', '2025-03-14', 30, { institutionId: 'uni-b' }),
    ]
    assert.deepEqual(outcome(applyRules(entries, [rule('term', 'per_term', { maxCredits: 15, category: 'academic' })])), {
      counted: ['t1', 't3', 'n1', 'n2', 'n3'],
      heldBack: [
        ['t2', 'term'],
        ['b1', 'term'],
      ],
    })
    assert.deepEqual(outcome(applyRules(entries, [rule('inst', 'per_institution', { maxCredits: 25 })])), {
      counted: ['t1', 't2', 'n1', 'n2', 'n3'],
      heldBack: [
        ['t3', 'inst'],
        ['b1', 'inst'],
      ],
    })
    assert.deepEqual(outcome(applyRules(entries, [rule('certs', 'max_certificates_per_programme', { maxCertificates: 1 })])).heldBack, [
      ['n2', 'certs'],
    ])
    assert.deepEqual(
      outcome(applyRules(entries, [rule('certs', 'max_certificates_per_programme', { maxCertificates: 0, field: 'culture' })])).heldBack,
      [['n3', 'certs']],
    )
    assert.deepEqual(outcome(applyRules(entries, [rule('nt', 'non_transferable_category', { category: 'non_academic' })])).heldBack, [
      ['n1', 'nt'],
      ['n2', 'nt'],
      ['n3', 'nt'],
    ])
    assert.deepEqual(outcome(applyRules(entries, [rule('off', 'non_transferable_category', { category: 'academic' }, false)])).heldBack, [])
  })

  it('when an outcome has no term, then its term is the one its awarded date falls in', () => {
    assert.deepEqual(['2024-08-01', '2024-12-31', '2025-01-20', '2025-02-01', '2025-07-31'].map(termOf), [
      '2024-2025-1',
      '2024-2025-1',
      '2024-2025-1',
      '2024-2025-2',
      '2024-2025-2',
    ])
  })

  it('when parameters do not fit the kind, then invalid_request with paths under /parameters', () => {
    const issuesOf = (kind: LedgerRuleKind, p: unknown) => {
      try {
        checkRuleParameters(kind, p)
        return []
      } catch (err) {
        assert.ok(err instanceof AppError)
        assert.equal(err.code, 'invalid_request')
        return err.issues!.map((i) => i.path)
      }
    }
    assert.deepEqual(issuesOf('per_year', { maxCredits: 42 }), [])
    assert.deepEqual(issuesOf('per_year', { maxCredits: 0 }), ['/parameters/maxCredits'])
    assert.deepEqual(issuesOf('per_year', { maxCredits: 1.005 }), ['/parameters/maxCredits'])
    assert.deepEqual(issuesOf('per_year', { maxCredits: 0.07 }), [])
    assert.deepEqual(issuesOf('per_year', { maxCredits: 24.29 }), [])
    assert.deepEqual(issuesOf('max_certificates_per_programme', { maxCertificates: 2.5 }), ['/parameters/maxCertificates'])
    assert.deepEqual(issuesOf('non_transferable_category', {}), ['/parameters'])
    assert.deepEqual(issuesOf('per_term', { maxCredits: 24, extra: 1 }).length, 1)
  })
})
