// The credit ledger (积累, issue 8 item 1): a learner's recognized outcomes whose credentials stand (and their approved
// conversions), with totals by framework level, category, institution, field and year and the entries behind each;
// the policy caps (configurable rules, managed by experts and admins) decide which entries count and which are held
// back. Never stored and never edited by hand: derived on every read, so a revocation takes an entry out at once.
import { randomUUID } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import type { OutcomePage } from '../recognition/recognition.ts'
import { applyRules, checkRuleParameters, termOf, type HeldBack, type LedgerEntry } from './ledger-rules.ts'
import { LedgerRuleStore, type LedgerRuleKind, type LedgerRuleRecord } from './ledger-rule-store.ts'

/** A learner's outcomes, through recognition's use case. */
export interface LearnerOutcomes {
  listForLearner(idHash: string, page: { after?: string; limit: number }): Promise<OutcomePage>
}

/** Whether credentials stand, through the status capability's use case (ids it does not know are absent). */
export interface CredentialStatuses {
  credentialStatuses(ids: readonly string[]): Promise<ReadonlyMap<string, { readonly revoked: boolean; readonly suspended: boolean }>>
}

/** An approved conversion as the conversion capability reports it: the target course credited, with its credential. */
export interface ApprovedConversion {
  readonly id: string
  readonly credentialId: string
  readonly name: { readonly zh: string; readonly en: string }
  readonly code: string | null
  readonly level: number
  readonly category: 'academic' | 'non_academic'
  readonly field: string
  readonly institutionId: string | null
  readonly credits: number
  /** YYYY-MM-DD: when it was approved. */
  readonly awardedDate: string
  readonly term?: string | null
  /** The outcomes it converted: while it stands they count through it, not on their own (no credit counted twice). */
  readonly sourceOutcomeIds?: readonly string[]
}

/** The conversion capability's use case (node.conversion.approvedFor), once it exists. */
export interface ApprovedConversions {
  approvedFor(idHash: string): Promise<readonly ApprovedConversion[]>
}

/**
 * The conversion capability's approved conversions with the outcomes each converted (from the learner's applications),
 * so that an outcome is counted once: through its conversion while that stands.
 */
export function approvedConversionsOf(conversion: {
  approvedFor(idHash: string): Promise<readonly ApprovedConversion[]>
  applicationsOfLearner(idHash: string): Promise<readonly { readonly id: string; readonly outcomes: readonly { readonly id: string }[] }[]>
}): ApprovedConversions {
  return {
    async approvedFor(idHash) {
      const [approved, applications] = await Promise.all([conversion.approvedFor(idHash), conversion.applicationsOfLearner(idHash)])
      const sources = new Map(applications.map((a) => [a.id, a.outcomes.map((o) => o.id)]))
      return approved.map((c) => ({ ...c, sourceOutcomeIds: c.sourceOutcomeIds ?? sources.get(c.id) ?? [] }))
    },
  }
}

export interface NewLedgerRule {
  readonly kind: LedgerRuleKind
  readonly name: { readonly zh: string; readonly en: string }
  readonly parameters: Readonly<Record<string, unknown>>
  readonly active?: boolean
}

export interface LedgerRuleChanges {
  readonly name?: { readonly zh?: string; readonly en?: string }
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly active?: boolean
}

/** One total and the entries behind it. */
export interface LedgerTotal<K> {
  readonly key: K
  readonly credits: number
  readonly count: number
  readonly entryIds: readonly string[]
}

export interface CreditLedger {
  /** The entries that count, by awarded date then id. */
  readonly entries: readonly LedgerEntry[]
  /** Over the counted entries only. */
  readonly totals: {
    readonly credits: number
    readonly count: number
    readonly byLevel: readonly LedgerTotal<number>[]
    readonly byCategory: readonly LedgerTotal<string>[]
    /** null: outcomes deposited with no institution. */
    readonly byInstitution: readonly LedgerTotal<string | null>[]
    readonly byField: readonly LedgerTotal<string>[]
    readonly byYear: readonly LedgerTotal<number>[]
  }
  /** Entries kept but not counted, each with the rule that holds it back. */
  readonly heldBack: readonly HeldBack[]
  readonly heldBackCredits: number
  /** Outcomes an approved conversion (that stands) converted: counted through the conversion's entry instead. */
  readonly converted: readonly { readonly entry: LedgerEntry; readonly conversionId: string }[]
  /** The active rules applied, with their versions (what the answer was computed under). */
  readonly rules: readonly { readonly id: string; readonly kind: LedgerRuleKind; readonly version: number }[]
}

const PAGE = 500
const sum = (entries: readonly LedgerEntry[]): number => entries.reduce((s, e) => s + Math.round(e.credits * 100), 0) / 100

function totalsBy<K extends string | number | null>(entries: readonly LedgerEntry[], keyOf: (e: LedgerEntry) => K): LedgerTotal<K>[] {
  const groups = new Map<K, LedgerEntry[]>()
  for (const e of entries) {
    const k = keyOf(e)
    const list = groups.get(k)
    if (list) list.push(e)
    else groups.set(k, [e])
  }
  const sortKey = (k: K): string => (k === null ? '\uffff' : typeof k === 'number' ? String(k).padStart(12, '0') : k)
  return [...groups.entries()]
    .sort(([a], [b]) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))
    .map(([key, list]) => ({ key, credits: sum(list), count: list.length, entryIds: list.map((e) => e.id) }))
}

const conversionEntry = (c: ApprovedConversion): LedgerEntry => ({
  id: c.id,
  source: 'conversion',
  credentialId: c.credentialId,
  name: c.name,
  code: c.code,
  level: c.level,
  category: c.category,
  field: c.field,
  institutionId: c.institutionId,
  credits: c.credits,
  awardedDate: c.awardedDate,
  year: Number(c.awardedDate.slice(0, 4)),
  term: c.term ?? termOf(c.awardedDate),
})

export class Ledger {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly outcomes: LearnerOutcomes
  private readonly statuses: CredentialStatuses
  private conversions: ApprovedConversions | undefined

  constructor(deps: {
    ds: DataSource
    clock: Clock
    outcomes: LearnerOutcomes
    statuses: CredentialStatuses
    conversions?: ApprovedConversions
  }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.outcomes = deps.outcomes
    this.statuses = deps.statuses
    this.conversions = deps.conversions
  }

  /** Plugs in the conversion capability's approved conversions (wired where the node is built). */
  useConversions(conversions: ApprovedConversions): void {
    this.conversions = conversions
  }

  /** The learner's ledger (by the keyed hash of their identity number), computed now from what the bank holds. */
  async ledgerOf(idHash: string): Promise<CreditLedger> {
    const outcomes = await this.outcomeEntries(idHash)
    const conversions = this.conversions ? await this.conversions.approvedFor(idHash) : []
    const candidates = [...outcomes, ...conversions.map(conversionEntry)]
    const statuses = await this.statuses.credentialStatuses(candidates.map((e) => e.credentialId))
    const stands = (e: LedgerEntry): boolean => {
      const s = statuses.get(e.credentialId)
      return s !== undefined && !s.revoked && !s.suspended
    }
    const convertedBy = new Map<string, string>()
    for (const c of conversions) if (stands(conversionEntry(c))) for (const o of c.sourceOutcomeIds ?? []) convertedBy.set(o, c.id)
    const standing = candidates.filter((e) => stands(e) && !(e.source === 'outcome' && convertedBy.has(e.id)))
    const converted = outcomes
      .filter((e) => stands(e) && convertedBy.has(e.id))
      .map((entry) => ({ entry, conversionId: convertedBy.get(entry.id)! }))
    const rules = await new LedgerRuleStore(this.ds).list({ activeOnly: true })
    const { counted, heldBack } = applyRules(standing, rules)
    return {
      entries: counted,
      totals: {
        credits: sum(counted),
        count: counted.length,
        byLevel: totalsBy(counted, (e) => e.level),
        byCategory: totalsBy(counted, (e) => e.category),
        byInstitution: totalsBy(counted, (e) => e.institutionId),
        byField: totalsBy(counted, (e) => e.field),
        byYear: totalsBy(counted, (e) => e.year),
      },
      heldBack,
      heldBackCredits: sum(heldBack.map((h) => h.entry)),
      converted,
      rules: rules.map((r) => ({ id: r.id, kind: r.kind, version: r.version })),
    }
  }

  private async outcomeEntries(idHash: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = []
    let after: string | undefined
    do {
      const page = await this.outcomes.listForLearner(idHash, { limit: PAGE, ...(after ? { after } : {}) })
      for (const o of page.items) {
        if (o.state !== 'recognized' || o.credentialId === null) continue
        entries.push({
          id: o.id,
          source: 'outcome',
          credentialId: o.credentialId,
          name: o.achievement.name,
          code: o.achievement.code,
          level: o.achievement.level,
          category: o.achievement.category,
          field: o.achievement.field,
          institutionId: o.institutionId,
          credits: o.creditsEarned,
          awardedDate: o.awardedDate,
          year: Number(o.awardedDate.slice(0, 4)),
          term: o.term ?? termOf(o.awardedDate),
        })
      }
      after = page.nextCursor
    } while (after)
    return entries
  }

  /** Every rule, active or retired, by id (public: the bank's policy). */
  listRules(): Promise<LedgerRuleRecord[]> {
    return new LedgerRuleStore(this.ds).list()
  }

  async getRule(id: string): Promise<LedgerRuleRecord> {
    const rule = await new LedgerRuleStore(this.ds).find(id)
    if (!rule) throw new AppError('not_found', `no ledger rule ${id}`)
    return rule
  }

  async createRule(input: NewLedgerRule, actor: AuditActor): Promise<LedgerRuleRecord> {
    checkRuleParameters(input.kind, input.parameters)
    const now = this.clock().toISOString()
    const rule: LedgerRuleRecord = {
      id: randomUUID(),
      kind: input.kind,
      nameZh: input.name.zh.trim(),
      nameEn: input.name.en.trim(),
      parameters: input.parameters,
      active: input.active ?? true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
    await transaction(this.ds, async (m) => {
      await new LedgerRuleStore(m).insert(rule)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'ledger_rule_created',
        subject: { type: 'ledger_rule', id: rule.id },
        after: rule,
      })
    })
    return rule
  }

  /** Changes a rule's name, parameters or active flag (its kind never changes); its version goes up by one. */
  async updateRule(id: string, changes: LedgerRuleChanges, actor: AuditActor): Promise<LedgerRuleRecord> {
    return transaction(this.ds, async (m) => {
      const store = new LedgerRuleStore(m)
      const current = await store.find(id, { lock: true })
      if (!current) throw new AppError('not_found', `no ledger rule ${id}`)
      if (changes.parameters !== undefined) checkRuleParameters(current.kind, changes.parameters)
      const next: LedgerRuleRecord = {
        ...current,
        nameZh: changes.name?.zh?.trim() ?? current.nameZh,
        nameEn: changes.name?.en?.trim() ?? current.nameEn,
        parameters: changes.parameters ?? current.parameters,
        active: changes.active ?? current.active,
        version: current.version + 1,
        updatedAt: this.clock().toISOString(),
      }
      await store.update(next, current.version)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'ledger_rule_changed',
        subject: { type: 'ledger_rule', id },
        before: current,
        after: next,
      })
      return next
    })
  }
}
