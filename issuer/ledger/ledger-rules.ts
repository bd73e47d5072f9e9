// The ledger's policy caps (DOMAIN.md's peer rules) and how they are applied: each kind's parameters as a JSON Schema,
// and one deterministic pass over a learner's entries that counts an entry only when every rule lets it, keeping the
// others with the rule that holds each back.
import { createAjv, toIssues } from '../../core/json-schema.ts'
import { AppError, type Issue } from '../../core/errors.ts'
import type { LedgerRuleKind, LedgerRuleRecord } from './ledger-rule-store.ts'

const CATEGORY = { enum: ['academic', 'non_academic'] } as const
// Two decimals at most (checked below: JSON Schema's multipleOf 0.01 refuses 0.07 in binary floating point).
const CREDITS = { type: 'number', exclusiveMinimum: 0, maximum: 10_000 } as const
const FIELD = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const

/**
 * What each kind of rule takes. The optional `category` narrows a credit cap to one category's outcomes.
 * - per_year: at most `maxCredits` counted per calendar year of the outcomes' awarded dates;
 * - per_term: at most `maxCredits` per term (the institution's term, e.g. 2024-2025-2; without one, the term its awarded
 *   date falls in: August to January the first, February to July the second);
 * - per_institution: at most `maxCredits` from one institution (outcomes deposited with no institution are not capped);
 * - max_certificates_per_programme: at most `maxCertificates` certificates (non-academic outcomes) counted toward one
 *   programme, a programme being a field of study (`field`: only that one; absent: each field);
 * - non_transferable_category: outcomes of the `category` (and, given `fields`, only of those fields) never count.
 */
export const RULE_PARAMETER_SCHEMAS = {
  per_year: {
    type: 'object',
    required: ['maxCredits'],
    additionalProperties: false,
    properties: { maxCredits: CREDITS, category: CATEGORY },
  },
  per_term: {
    type: 'object',
    required: ['maxCredits'],
    additionalProperties: false,
    properties: { maxCredits: CREDITS, category: CATEGORY },
  },
  per_institution: {
    type: 'object',
    required: ['maxCredits'],
    additionalProperties: false,
    properties: { maxCredits: CREDITS, category: CATEGORY },
  },
  max_certificates_per_programme: {
    type: 'object',
    required: ['maxCertificates'],
    additionalProperties: false,
    properties: { maxCertificates: { type: 'integer', minimum: 0, maximum: 1000 }, field: FIELD },
  },
  non_transferable_category: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { category: CATEGORY, fields: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: FIELD } },
  },
} as const satisfies Record<LedgerRuleKind, object>

const ajv = createAjv()
const validators = Object.fromEntries(
  Object.entries(RULE_PARAMETER_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]),
) as Record<LedgerRuleKind, ReturnType<typeof ajv.compile>>

/** Throws invalid_request (issues under /parameters) when `parameters` are not what `kind` takes. */
export function checkRuleParameters(kind: LedgerRuleKind, parameters: unknown): void {
  const validate = validators[kind]
  const issues: Issue[] = validate(parameters)
    ? []
    : toIssues(validate.errors ?? []).map((i) => ({ path: `/parameters${i.path}`, message: i.message }))
  const credits = (parameters as { maxCredits?: unknown } | null)?.maxCredits
  if (issues.length === 0 && typeof credits === 'number' && Math.abs(Math.round(credits * 100) - credits * 100) > 1e-6)
    issues.push({ path: '/parameters/maxCredits', message: 'must have at most two decimals' })
  if (issues.length === 0) return
  throw new AppError('invalid_request', `the parameters of a ${kind} rule are not valid: ${issues[0]!.path} ${issues[0]!.message}`, {
    issues,
  })
}

/** One line of a learner's ledger: a recognized outcome (or an approved conversion) whose credential stands. */
export interface LedgerEntry {
  /** The outcome's id (or the conversion's). */
  readonly id: string
  readonly source: 'outcome' | 'conversion'
  readonly credentialId: string
  readonly name: { readonly zh: string; readonly en: string }
  readonly code: string | null
  readonly level: number
  readonly category: 'academic' | 'non_academic'
  readonly field: string
  readonly institutionId: string | null
  readonly credits: number
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  readonly year: number
  /** The institution's term, or the one the awarded date falls in (see per_term). */
  readonly term: string
}

export interface HeldBack {
  readonly entry: LedgerEntry
  readonly rule: { readonly id: string; readonly kind: LedgerRuleKind; readonly name: { zh: string; en: string }; readonly version: number }
}

/** The term a date falls in, in the academic-year form institutions use: 2024-2025-1 (Aug–Jan), 2024-2025-2 (Feb–Jul). */
export function termOf(date: string): string {
  const year = Number(date.slice(0, 4))
  const month = Number(date.slice(5, 7))
  if (month >= 8) return `${year}-${year + 1}-1`
  if (month === 1) return `${year - 1}-${year}-1`
  return `${year - 1}-${year}-2`
}

const KIND_ORDER: readonly LedgerRuleKind[] = [
  'non_transferable_category',
  'per_term',
  'per_year',
  'per_institution',
  'max_certificates_per_programme',
]
const centi = (credits: number): number => Math.round(credits * 100)

/** The bucket an entry falls in for a capping rule, or undefined when the rule does not concern it. */
function bucketOf(rule: LedgerRuleRecord, e: LedgerEntry): string | undefined {
  const p = rule.parameters as { category?: string; field?: string; fields?: string[] }
  switch (rule.kind) {
    case 'per_year':
      return p.category === undefined || p.category === e.category ? String(e.year) : undefined
    case 'per_term':
      return p.category === undefined || p.category === e.category ? e.term : undefined
    case 'per_institution':
      return e.institutionId !== null && (p.category === undefined || p.category === e.category) ? e.institutionId : undefined
    case 'max_certificates_per_programme':
      return e.category === 'non_academic' && (p.field === undefined || p.field === e.field) ? e.field : undefined
    case 'non_transferable_category':
      return (p.category === undefined || p.category === e.category) && (p.fields === undefined || p.fields.includes(e.field))
        ? 'all'
        : undefined
  }
}

/**
 * Applies the active rules to the entries, in a fixed order so the answer never depends on how rows came back: entries
 * by awarded date, then id; rules by kind (non-transferable first, then term, year, institution, certificates), then id.
 * An entry counts when no rule would be exceeded by it (an entry is counted whole or held back whole: credits are never
 * split); otherwise it is kept in `heldBack` with the first rule in that order that holds it back.
 */
export function applyRules(
  entries: readonly LedgerEntry[],
  rules: readonly LedgerRuleRecord[],
): { counted: LedgerEntry[]; heldBack: HeldBack[] } {
  const ordered = [...entries].sort((a, b) =>
    a.awardedDate === b.awardedDate ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.awardedDate < b.awardedDate ? -1 : 1,
  )
  const active = rules
    .filter((r) => r.active)
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  /** Per rule, per bucket: counted centi-credits (caps) or counted certificates. */
  const used = new Map<string, Map<string, number>>(active.map((r) => [r.id, new Map()]))
  const counted: LedgerEntry[] = []
  const heldBack: HeldBack[] = []
  for (const e of ordered) {
    const amount = centi(e.credits)
    let holder: LedgerRuleRecord | undefined
    const takes: { rule: LedgerRuleRecord; bucket: string; add: number }[] = []
    for (const rule of active) {
      const bucket = bucketOf(rule, e)
      if (bucket === undefined) continue
      if (rule.kind === 'non_transferable_category') {
        holder = rule
        break
      }
      const sofar = used.get(rule.id)!.get(bucket) ?? 0
      const add = rule.kind === 'max_certificates_per_programme' ? 1 : amount
      const limit =
        rule.kind === 'max_certificates_per_programme'
          ? (rule.parameters as { maxCertificates: number }).maxCertificates
          : centi((rule.parameters as { maxCredits: number }).maxCredits)
      if (sofar + add > limit) {
        holder = rule
        break
      }
      takes.push({ rule, bucket, add })
    }
    if (holder) {
      heldBack.push({
        entry: e,
        rule: { id: holder.id, kind: holder.kind, name: { zh: holder.nameZh, en: holder.nameEn }, version: holder.version },
      })
      continue
    }
    for (const t of takes) used.get(t.rule.id)!.set(t.bucket, (used.get(t.rule.id)!.get(t.bucket) ?? 0) + t.add)
    counted.push(e)
  }
  return { counted, heldBack }
}
