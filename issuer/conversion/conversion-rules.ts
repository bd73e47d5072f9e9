// What a conversion rule says and how a learner's outcomes meet it: pure functions over a rule version and the
// learner's usable outcomes, shared by the advice (met and nearly met, with what is missing) and by applications
// (judged by the version they were made under). No I/O here.

export type Category = 'academic' | 'non_academic'

export interface Bilingual {
  readonly zh: string
  readonly en: string
}

/**
 * The minimum result an outcome needs:
 * - `mark`: a numeric mark (the outcome's result read as a number, e.g. "87" or "87.5") of at least `min`;
 * - `grade`: a grade of `scale` (best first, e.g. ["A", "B", "C", "D"] or ["优秀", "良好", "中等", "及格"]) at or above `min`;
 * - `pass`: a pass — a mark of 60 or more, or a pass word (合格, 通过, 及格, 中等, 良好, 优秀, pass, passed, merit, distinction).
 */
export type MinResult =
  | { readonly kind: 'mark'; readonly min: number }
  | { readonly kind: 'grade'; readonly scale: readonly string[]; readonly min: string }
  | { readonly kind: 'pass' }

/** A programme of the target institution: converted credits may cover at most `maxShare` of its `totalCredits`. */
export interface Programme {
  readonly code: string
  readonly totalCredits: number
  /** 0 < maxShare ≤ 1 (Beijing: 0.5). */
  readonly maxShare: number
}

export interface RuleConditions {
  readonly minResult?: MinResult
  /** An outcome awarded more than this many years before the application (or today, for advice) is too old. */
  readonly maxAgeYears?: number
  /** Outcomes of these categories are never converted. */
  readonly excludedCategories?: readonly Category[]
  readonly programme?: Programme
}

/** A source catalogue entry as the version saw it (a snapshot: the version never changes). */
export interface RuleSource {
  readonly catalogueEntryId: string
  readonly institutionId: string
  readonly code: string
  readonly name: Bilingual
  /** The entry's category: its outcomes' category (what excludedCategories is checked against). */
  readonly category: Category
}

export interface RuleTarget {
  readonly catalogueEntryId: string
  readonly institutionId: string
  readonly code: string
  readonly name: Bilingual
  readonly level: number
  readonly category: Category
  readonly field: string
  /** Credits the conversion grants (at most the target entry's). */
  readonly credits: number
}

/** All of the sources, or any `count` of them. */
export type Requirement = { readonly mode: 'all' } | { readonly mode: 'any'; readonly count: number }

/** One version of a rule: what an application made under it is judged by. */
export interface RuleDefinition {
  readonly name: Bilingual
  readonly sources: readonly RuleSource[]
  readonly require: Requirement
  readonly target: RuleTarget
  readonly conditions: RuleConditions
  readonly active: boolean
}

/**
 * A learner's outcome as rules see it: recognized and standing (its credential neither revoked nor suspended). Its
 * category and name are its catalogue entry's, which the rule's source snapshot holds.
 */
export interface UsableOutcome {
  readonly id: string
  readonly catalogueEntryId: string
  readonly result: string | null
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  readonly credentialId: string
}

/** Why an outcome does not count toward a source. */
export type OutcomeProblem =
  | { readonly kind: 'result_too_low'; readonly result: string | null; readonly minResult: MinResult }
  | { readonly kind: 'too_old'; readonly awardedDate: string; readonly oldestAccepted: string; readonly maxAgeYears: number }
  | { readonly kind: 'category_excluded'; readonly category: Category }
  | { readonly kind: 'already_converted' }

/** What stands between the learner and a rule. */
export type Missing =
  | { readonly kind: 'outcome'; readonly source: RuleSource }
  | { readonly kind: 'condition'; readonly source: RuleSource; readonly outcomeId: string; readonly problems: readonly OutcomeProblem[] }
  | { readonly kind: 'more_sources'; readonly count: number }
  | {
      readonly kind: 'programme_share'
      readonly programme: string
      readonly convertedCredits: number
      readonly limitCredits: number
      readonly credits: number
    }

export interface Evaluation {
  readonly met: boolean
  /** How many things are missing (a source, a condition, the programme's share): the advice ranks by it. */
  readonly missingCount: number
  readonly missing: readonly Missing[]
  /** When met: the outcomes an application would use (one per source needed). */
  readonly outcomeIds: readonly string[]
}

export interface EvaluationContext {
  /** YYYY-MM-DD: the day ages are counted to (the application's, or today's in China). */
  readonly asOf: string
  /** The oldest accepted date by maximum age, filled as rules ask (one advice call shares it). */
  readonly oldest?: Map<number, string>
  /** Outcomes a pending or approved application already uses. */
  readonly used: ReadonlySet<string>
  /** Credits already converted (or pending) into each programme of the target institution: key `${institutionId}\n${code}`. */
  readonly programmeCredits: ReadonlyMap<string, number>
}

const PASS_WORDS = new Set(['合格', '通过', '及格', '中等', '良好', '优秀', 'pass', 'passed', 'merit', 'distinction'])

/** Results seen, read once (a bank's results are a small set of texts: "87", "合格", "B"); emptied when it grows large. */
const marks = new Map<string, number | undefined>()

/** The numeric mark a result text holds ("87", "87.5", " 92 分"), or undefined. */
export function markOf(result: string | null): number | undefined {
  if (result === null) return undefined
  if (marks.has(result)) return marks.get(result)
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*(分|points?)?\s*$/i.exec(result)
  const mark = m ? Number(m[1]) : undefined
  if (marks.size >= 10_000) marks.clear()
  marks.set(result, mark)
  return mark
}

/** Whether a result meets the minimum. */
export function meetsMinResult(result: string | null, min: MinResult): boolean {
  if (min.kind === 'mark') {
    const mark = markOf(result)
    return mark !== undefined && mark >= min.min
  }
  if (min.kind === 'grade') {
    const have = result === null ? -1 : min.scale.indexOf(result.trim())
    const need = min.scale.indexOf(min.min)
    return have >= 0 && have <= need
  }
  const mark = markOf(result)
  if (mark !== undefined) return mark >= 60
  // "合格 pass": every word of it a pass word.
  const words = (result ?? '')
    .toLowerCase()
    .split(/[\s/]+/)
    .filter(Boolean)
  return words.length > 0 && words.every((w) => PASS_WORDS.has(w))
}

/** `date` (YYYY-MM-DD) moved back `years` whole years (29 February becomes 28 February). */
export function yearsBefore(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) - years
  const md = date.slice(5)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return `${String(y).padStart(4, '0')}-${md === '02-29' && !leap ? '02-28' : md}`
}

/** Today's date in China Standard Time (UTC+8). */
export const chinaDate = (at: Date): string => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10)

export const programmeKey = (institutionId: string, code: string): string => `${institutionId}\n${code}`

/** What keeps `outcome` (of `source`'s catalogue entry) from counting under `rule` (empty: it counts). */
export function problemsOf(rule: RuleDefinition, source: RuleSource, outcome: UsableOutcome, ctx: EvaluationContext): OutcomeProblem[] {
  const c = rule.conditions
  const problems: OutcomeProblem[] = []
  if (ctx.used.has(outcome.id)) problems.push({ kind: 'already_converted' })
  if (c.excludedCategories?.includes(source.category)) problems.push({ kind: 'category_excluded', category: source.category })
  if (c.minResult && !meetsMinResult(outcome.result, c.minResult))
    problems.push({ kind: 'result_too_low', result: outcome.result, minResult: c.minResult })
  if (c.maxAgeYears !== undefined) {
    const oldestAccepted = oldestAcceptedOf(ctx, c.maxAgeYears)
    if (outcome.awardedDate < oldestAccepted)
      problems.push({ kind: 'too_old', awardedDate: outcome.awardedDate, oldestAccepted, maxAgeYears: c.maxAgeYears })
  }
  return problems
}

function oldestAcceptedOf(ctx: EvaluationContext, years: number): string {
  let date = ctx.oldest?.get(years)
  if (date === undefined) {
    date = yearsBefore(ctx.asOf, years)
    ctx.oldest?.set(years, date)
  }
  return date
}

/** Whether `outcome` counts under `rule` for `source`: problemsOf's judgement, without allocating. */
export function counts(rule: RuleDefinition, source: RuleSource, outcome: UsableOutcome, ctx: EvaluationContext): boolean {
  const c = rule.conditions
  if (ctx.used.has(outcome.id)) return false
  if (c.excludedCategories?.includes(source.category)) return false
  if (c.minResult && !meetsMinResult(outcome.result, c.minResult)) return false
  return c.maxAgeYears === undefined || outcome.awardedDate >= oldestAcceptedOf(ctx, c.maxAgeYears)
}

/**
 * {@link evaluateRule}'s missingCount alone, without allocating: the advice counts every candidate rule with it and
 * evaluates in full only the ones it shows.
 */
export function missingCountOf(
  rule: RuleDefinition,
  byEntry: ReadonlyMap<string, readonly UsableOutcome[]>,
  ctx: EvaluationContext,
): number {
  let satisfied = 0
  for (const source of rule.sources) {
    const candidates = byEntry.get(source.catalogueEntryId)
    if (!candidates) continue
    for (const o of candidates)
      if (counts(rule, source, o, ctx)) {
        satisfied++
        break
      }
  }
  const needed = rule.require.mode === 'all' ? rule.sources.length : Math.min(rule.require.count, rule.sources.length)
  return Math.max(0, needed - satisfied) + (programmeExceeded(rule, ctx) ? 1 : 0)
}

function programmeExceeded(rule: RuleDefinition, ctx: EvaluationContext): { converted: number; limit: number } | undefined {
  const programme = rule.conditions.programme
  if (!programme) return undefined
  const converted = ctx.programmeCredits.get(programmeKey(rule.target.institutionId, programme.code)) ?? 0
  const limit = Math.floor(programme.totalCredits * programme.maxShare * 100) / 100
  return toCenti(converted) + toCenti(rule.target.credits) > toCenti(limit) ? { converted, limit } : undefined
}

/**
 * How a learner's outcomes (by catalogue entry, newest first) meet a rule version: for each source, the first outcome
 * with no problem counts; a source with outcomes that all fail names the newest one's problems; a source without
 * outcomes is missing. `all` needs every source, `any` `count` of them; a programme's share, when exceeded, is missing too.
 */
export function evaluateRule(
  rule: RuleDefinition,
  byEntry: ReadonlyMap<string, readonly UsableOutcome[]>,
  ctx: EvaluationContext,
): Evaluation {
  const satisfied: string[] = []
  const failing: Missing[] = []
  for (const source of rule.sources) {
    const candidates = byEntry.get(source.catalogueEntryId)
    if (!candidates?.length) {
      failing.push({ kind: 'outcome', source })
      continue
    }
    let counted: UsableOutcome | undefined
    let firstProblems: OutcomeProblem[] | undefined
    for (const o of candidates) {
      const problems = problemsOf(rule, source, o, ctx)
      if (!problems.length) {
        counted = o
        break
      }
      firstProblems ??= problems
    }
    if (counted) satisfied.push(counted.id)
    else failing.push({ kind: 'condition', source, outcomeId: candidates[0]!.id, problems: firstProblems! })
  }
  const needed = rule.require.mode === 'all' ? rule.sources.length : Math.min(rule.require.count, rule.sources.length)
  const short = Math.max(0, needed - satisfied.length)
  const missing: Missing[] = []
  if (rule.require.mode === 'all') missing.push(...failing)
  else if (short > 0) missing.push({ kind: 'more_sources', count: short }, ...failing)
  const exceeded = programmeExceeded(rule, ctx)
  if (exceeded)
    missing.push({
      kind: 'programme_share',
      programme: rule.conditions.programme!.code,
      convertedCredits: exceeded.converted,
      limitCredits: exceeded.limit,
      credits: rule.target.credits,
    })
  const missingCount = short + missing.filter((m) => m.kind === 'programme_share').length
  return { met: missingCount === 0, missingCount, missing, outcomeIds: missingCount === 0 ? satisfied.slice(0, needed) : [] }
}

export const toCenti = (credits: number): number => Math.round(credits * 100)
