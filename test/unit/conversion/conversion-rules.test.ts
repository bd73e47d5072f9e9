// How a conversion rule's version judges a learner's outcomes: results (marks, grade scales, passes), ages counted in
// whole years (29 February included), excluded categories, all / any N of the sources, a programme's share, outcomes
// already converted.
import assert from 'node:assert/strict'
import {
  evaluateRule,
  markOf,
  missingCountOf,
  meetsMinResult,
  yearsBefore,
  type RuleDefinition,
  type RuleSource,
  type UsableOutcome,
} from '../../../issuer/conversion/conversion-rules.ts'

const source = (id: string, category: 'academic' | 'non_academic' = 'academic'): RuleSource => ({
  catalogueEntryId: id,
  institutionId: 'uni-a',
  code: id.toUpperCase(),
  name: { zh: id, en: id },
  category,
})

const rule = (over: Partial<RuleDefinition> = {}): RuleDefinition => ({
  name: { zh: '规则', en: 'Rule' },
  sources: [source('cs'), source('ma')],
  require: { mode: 'all' },
  target: {
    catalogueEntryId: 't',
    institutionId: 'uni-b',
    code: 'T',
    name: { zh: '目标', en: 'Target' },
    level: 5,
    category: 'academic',
    field: 'cs',
    credits: 4,
  },
  conditions: {},
  active: true,
  ...over,
})

const outcome = (id: string, entry: string, result: string | null, awardedDate = '2025-06-01'): UsableOutcome => ({
  id,
  catalogueEntryId: entry,
  result,
  awardedDate,
  credentialId: `urn:uuid:${id}`,
})

const byEntry = (...os: UsableOutcome[]) => {
  const m = new Map<string, UsableOutcome[]>()
  for (const o of os) m.set(o.catalogueEntryId, [...(m.get(o.catalogueEntryId) ?? []), o])
  return m
}
const ctx = { asOf: '2026-03-01', used: new Set<string>(), programmeCredits: new Map<string, number>() }

describe('conversion rules', () => {
  it('when a result is read, then marks are numbers (分 allowed), grades are positions on the scale, passes are marks ≥ 60 or pass words', () => {
    assert.deepEqual(['87', ' 92 分', '87.5', '100', 'B', '合格', null].map(markOf), [87, 92, 87.5, 100, undefined, undefined, undefined])
    assert.equal(meetsMinResult('60', { kind: 'mark', min: 60 }), true)
    assert.equal(meetsMinResult('59.9', { kind: 'mark', min: 60 }), false)
    assert.equal(meetsMinResult('优秀', { kind: 'mark', min: 60 }), false)
    const grade = { kind: 'grade', scale: ['A', 'B', 'C', 'D'], min: 'B' } as const
    assert.deepEqual(
      ['A', 'B', 'C', 'E', null].map((r) => meetsMinResult(r, grade)),
      [true, true, false, false, false],
    )
    assert.deepEqual(
      ['60', '59', '合格', '合格 pass', 'Pass', '优秀', 'fail', '不合格', '', null].map((r) => meetsMinResult(r, { kind: 'pass' })),
      [true, false, true, true, true, true, false, false, false, false],
    )
  })

  it('when ages are counted, then in whole years back from the day, 29 February becoming 28 February', () => {
    assert.equal(yearsBefore('2026-03-01', 5), '2021-03-01')
    assert.equal(yearsBefore('2024-02-29', 1), '2023-02-28')
    assert.equal(yearsBefore('2024-02-29', 4), '2020-02-29')
    const r = rule({ sources: [source('cs')], conditions: { maxAgeYears: 5 } })
    assert.equal(evaluateRule(r, byEntry(outcome('o1', 'cs', '90', '2021-03-01')), ctx).met, true, 'exactly five years old still counts')
    assert.deepEqual(evaluateRule(r, byEntry(outcome('o1', 'cs', '90', '2021-02-28')), ctx).missing, [
      {
        kind: 'condition',
        source: r.sources[0],
        outcomeId: 'o1',
        problems: [{ kind: 'too_old', awardedDate: '2021-02-28', oldestAccepted: '2021-03-01', maxAgeYears: 5 }],
      },
    ])
  })

  it('when all sources are required, then each missing or failing one is listed, and the newest passing outcome of a course counts', () => {
    const r = rule({ conditions: { minResult: { kind: 'mark', min: 60 } } })
    const e = evaluateRule(r, byEntry(outcome('new', 'cs', '55', '2025-06-01'), outcome('old', 'cs', '80', '2024-06-01')), ctx)
    assert.deepEqual(e, { met: false, missingCount: 1, missing: [{ kind: 'outcome', source: r.sources[1] }], outcomeIds: [] })
    const met = evaluateRule(r, byEntry(outcome('old', 'cs', '80', '2024-06-01'), outcome('m', 'ma', '61')), ctx)
    assert.deepEqual(met, { met: true, missingCount: 0, missing: [], outcomeIds: ['old', 'm'] })
  })

  it('when any N are required, then N satisfied sources meet it and fewer say how many more', () => {
    const r = rule({ sources: [source('cs'), source('ma'), source('en')], require: { mode: 'any', count: 2 } })
    assert.deepEqual(evaluateRule(r, byEntry(outcome('a', 'cs', '70'), outcome('b', 'en', '70')), ctx).outcomeIds, ['a', 'b'])
    const short = evaluateRule(r, byEntry(outcome('a', 'cs', '70')), ctx)
    assert.equal(short.missingCount, 1)
    assert.deepEqual(short.missing[0], { kind: 'more_sources', count: 1 })
  })

  it('when a category is excluded or an outcome is already converted, then it does not count', () => {
    const r = rule({ sources: [source('tr', 'non_academic')], conditions: { excludedCategories: ['non_academic'] } })
    assert.deepEqual(evaluateRule(r, byEntry(outcome('t', 'tr', '合格')), ctx).missing, [
      { kind: 'condition', source: r.sources[0], outcomeId: 't', problems: [{ kind: 'category_excluded', category: 'non_academic' }] },
    ])
    const used = { ...ctx, used: new Set(['c']) }
    assert.deepEqual(evaluateRule(rule({ sources: [source('cs')] }), byEntry(outcome('c', 'cs', '90')), used).missing, [
      { kind: 'condition', source: source('cs'), outcomeId: 'c', problems: [{ kind: 'already_converted' }] },
    ])
  })

  it("when a programme's share would be passed, then the rule is not met, and exactly at the limit it is", () => {
    const r = rule({ sources: [source('cs')], conditions: { programme: { code: 'P', totalCredits: 10, maxShare: 0.5 } } })
    const at = (converted: number) =>
      evaluateRule(r, byEntry(outcome('c', 'cs', '90')), { ...ctx, programmeCredits: new Map([['uni-b\nP', converted]]) })
    assert.equal(at(1).met, true, '1 + 4 = 5 = 50 % of 10')
    assert.deepEqual(at(1.5).missing, [{ kind: 'programme_share', programme: 'P', convertedCredits: 1.5, limitCredits: 5, credits: 4 }])
  })

  it('when the advice counts what a rule misses without evaluating it in full, then the count is evaluateRule’s, rule by rule', () => {
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const entries = ['cs', 'ma', 'en', 'py', 'tr']
    const outcomes = byEntry(
      outcome('a', 'cs', '91', '2024-01-01'),
      outcome('b', 'cs', '52', '2025-01-01'),
      outcome('c', 'ma', 'B', '2019-01-01'),
      outcome('d', 'en', '合格', '2010-05-05'),
      outcome('e', 'tr', '70', '2023-03-03'),
    )
    const used = { ...ctx, used: new Set(['e']), programmeCredits: new Map([['uni-b\nP', 3]]), oldest: new Map<number, string>() }
    const results = [{ kind: 'mark', min: 60 }, { kind: 'pass' }, { kind: 'grade', scale: ['A', 'B', 'C'], min: 'B' }] as const
    for (let i = 0; i < 500; i++) {
      const sources = entries.filter(() => rnd() < 0.5).map((e) => source(e, e === 'tr' ? 'non_academic' : 'academic'))
      if (!sources.length) continue
      const r = rule({
        sources,
        require: rnd() < 0.5 ? { mode: 'all' } : { mode: 'any', count: 1 + Math.floor(rnd() * sources.length) },
        conditions: {
          ...(rnd() < 0.5 ? { minResult: results[Math.floor(rnd() * 3)]! } : {}),
          ...(rnd() < 0.5 ? { maxAgeYears: 1 + Math.floor(rnd() * 10) } : {}),
          ...(rnd() < 0.3 ? { excludedCategories: ['non_academic' as const] } : {}),
          ...(rnd() < 0.3 ? { programme: { code: 'P', totalCredits: 10 + Math.floor(rnd() * 10), maxShare: 0.5 } } : {}),
        },
      })
      assert.equal(missingCountOf(r, outcomes, used), evaluateRule(r, outcomes, used).missingCount, JSON.stringify(r))
    }
  })
})
