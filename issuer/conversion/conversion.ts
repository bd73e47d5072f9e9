// Conversion (转换): rules from catalogue entries to a target course, authored by the target institution's staff (for
// its own courses) or the expert committee, versioned (an edit is a new version; an application is judged by the one it
// was made under); the advice "what can my outcomes be converted into" (met and nearly met, with what is missing,
// ranked), answered from an in-memory index of the rules by source entry that each instance rebuilds when the
// database's rule generation moves; applications by learners, decided by the target institution's staff, an approval
// signing an AchievementCredential for the target course in its transaction. No outcome is converted twice: each
// pending or approved application holds its outcomes' rows in cb_conversion_use, whose key is the outcome.
import { randomUUID } from 'node:crypto'
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import type { ResidentId } from '../../core/identity/resident-id.ts'
import { AppError, type Issue } from '../../core/errors.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { newCredentialId } from '../../core/store/ids.ts'
import { actorOf, type Principal } from '../accounts/principal.ts'
import type { InstitutionRecord } from '../alliance/institution-store.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import type { IssueRequest, IssuedCredential } from '../credentials/issue-credential.ts'
import { DEFAULT_BANK_NAME, type Bilingual } from '../recognition/achievement-credential.ts'
import type { OutcomeFacts, ReasonInput } from '../recognition/recognition.ts'
import { buildConversionCredential } from './conversion-credential.ts'
import {
  chinaDate,
  evaluateRule,
  missingCountOf,
  programmeKey,
  toCenti,
  type Category,
  type Evaluation,
  type Missing,
  type Requirement,
  type RuleConditions,
  type RuleDefinition,
  type RuleSource,
  type UsableOutcome,
} from './conversion-rules.ts'
import {
  ConversionStore,
  type AppliedOutcome,
  type ApplicationRecord,
  type ApplicationState,
  type RuleRecord,
  type RuleVersionRecord,
} from './conversion-store.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

/** A rule as authors write it (each write of it is a version). */
export interface RuleInput {
  readonly name: Bilingual
  /** Catalogue entry ids, at least one, distinct; the target is not one of them. */
  readonly sources: readonly string[]
  readonly require: Requirement
  /** Credits granted; default the target entry's. */
  readonly credits?: number
  readonly conditions?: RuleConditions
  /** Default true; false retires the rule (no new applications; pending ones are still judged by their version). */
  readonly active?: boolean
}

export interface NewRule extends RuleInput {
  /** A catalogue entry of the target institution: the course the rule converts into. */
  readonly targetEntryId: string
}

export interface RuleView {
  readonly id: string
  readonly targetInstitutionId: string
  readonly version: number
  readonly active: boolean
  readonly definition: RuleDefinition
  readonly createdAt: string
  readonly updatedAt: string
  readonly versionCreatedAt: string
}

/** One rule in the advice: met (outcomeIds are what to apply with) or nearly met (what is missing). */
export interface AdviceItem {
  readonly ruleId: string
  readonly version: number
  readonly name: Bilingual
  readonly target: RuleDefinition['target']
  readonly require: Requirement
  readonly missingCount: number
  readonly missing: readonly Missing[]
  readonly outcomeIds: readonly string[]
}

export interface Advice {
  /** Rules met now: by credits, most first. */
  readonly met: readonly AdviceItem[]
  /** Rules missing at most NEARLY_MET_MAX_MISSING things: fewest missing first, then by credits. */
  readonly nearlyMet: readonly AdviceItem[]
  /** How many there are in all (the lists show at most ADVICE_MAX_ITEMS each). */
  readonly counts: { readonly met: number; readonly nearlyMet: number; readonly rulesConsidered: number }
}

export interface ApplicationView {
  readonly id: string
  readonly ruleId: string
  readonly ruleVersion: number
  readonly state: ApplicationState
  readonly target: RuleDefinition['target']
  readonly programmeCode: string | null
  readonly credits: number
  readonly outcomes: readonly AppliedOutcome[]
  readonly reason: { readonly zh: string | null; readonly en: string | null } | null
  readonly credentialId: string | null
  readonly createdAt: string
  readonly decidedAt: string | null
}

/** An approved conversion, as the ledger counts it (node.conversion.approvedFor). */
export interface ApprovedConversion {
  readonly id: string
  readonly credentialId: string
  readonly name: Bilingual
  readonly code: string | null
  readonly level: number
  readonly category: Category
  readonly field: string
  readonly institutionId: string | null
  readonly credits: number
  /** YYYY-MM-DD (China): the day it was approved. */
  readonly awardedDate: string
  readonly term: string | null
  /** The learner's outcomes it converted (counted through it, not beside it). */
  readonly sourceOutcomeIds: readonly string[]
}

/** Recognition's use case: a learner's outcomes as stored (one query, no catalogue look-ups). */
export interface LearnerOutcomes {
  outcomeFactsForLearner(idHash: string): Promise<OutcomeFacts[]>
}
/** The status capability's use case: whether credentials stand. */
export interface CredentialStatuses {
  credentialStatuses(ids: readonly string[]): Promise<ReadonlyMap<string, { readonly revoked: boolean; readonly suspended: boolean }>>
}
/** The verified learner behind an account (deposits.ts learnerIdentitiesFrom). */
export interface LearnerIdentities {
  identityOf(userId: string): Promise<{ readonly idHash: string; readonly residentId: ResidentId } | null>
}
export interface TransactionalIssuer {
  issueManyIn(m: EntityManager, requests: readonly IssueRequest[], clientId: string | null): Promise<IssuedCredential[]>
  findBankIssued(id: string): Promise<IssuedCredential | undefined>
}

export interface ConversionDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly issuer: TransactionalIssuer
  readonly catalogue: { get(id: string): Promise<CatalogueEntryRecord> }
  readonly alliance: { get(id: string): Promise<InstitutionRecord> }
  readonly outcomes: LearnerOutcomes
  readonly statuses: CredentialStatuses
  readonly learners: LearnerIdentities
  readonly bank: { readonly did: string; readonly publicUrl: URL; readonly name?: Bilingual }
}

/** "Nearly met": at most this many things missing. */
export const NEARLY_MET_MAX_MISSING = 2
/**
 * How long an instance trusts the rule generation it last read before reading it again: another instance's rule change
 * reaches this one's advice within it (this instance's own changes at once). Applications are always judged by the
 * database's versions, never by the index.
 */
export const GENERATION_CHECK_MS = 1000
/** Items per list of the advice. */
export const ADVICE_MAX_ITEMS = 100

const actorRef = (a: AuditActor): string => `${a.type}:${a.id}`
const blank = (s: string | undefined): boolean => s === undefined || !s.trim()
const invalid = (issues: Issue[]): AppError =>
  new AppError('invalid_request', `the rule is not valid: ${issues[0]!.path} ${issues[0]!.message}`, { issues })

function normalizeReason(reason: ReasonInput | undefined): { zh: string | null; en: string | null } {
  if (reason === undefined) return { zh: null, en: null }
  if (typeof reason === 'string') return blank(reason) ? { zh: null, en: null } : { zh: reason.trim(), en: reason.trim() }
  return { zh: blank(reason.zh) ? null : reason.zh!.trim(), en: blank(reason.en) ? null : reason.en!.trim() }
}

/** A missing item in words, for an error's issues. */
function describeMissing(m: Missing): string {
  switch (m.kind) {
    case 'outcome':
      return `no outcome of ${m.source.code} (${m.source.name.zh} ${m.source.name.en})`
    case 'more_sources':
      return `${m.count} more of the rule's sources needed`
    case 'programme_share':
      return `programme ${m.programme}: ${m.convertedCredits} credits already converted, ${m.credits} more would pass the limit of ${m.limitCredits}`
    case 'condition':
      return `outcome ${m.outcomeId} (${m.source.code}): ${m.problems
        .map((p) =>
          p.kind === 'result_too_low'
            ? `result ${p.result ?? '(none)'} is below the minimum`
            : p.kind === 'too_old'
              ? `awarded ${p.awardedDate}, before ${p.oldestAccepted} (at most ${p.maxAgeYears} years old)`
              : p.kind === 'category_excluded'
                ? `${p.category} outcomes are never converted`
                : 'already used by another application',
        )
        .join('; ')}`
  }
}

export class Conversion {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly deps: ConversionDeps
  private readonly bank: { did: string; publicUrl: URL; name: Bilingual }
  private cached?: { generation: number; byEntry: Map<string, RuleVersionRecord[]>; rules: number }
  private building?: Promise<{ generation: number; byEntry: Map<string, RuleVersionRecord[]>; rules: number }>
  /** When (performance.now) the database's generation was last read: read again after GENERATION_CHECK_MS. */
  private checkedAt = -Infinity

  constructor(deps: ConversionDeps) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.deps = deps
    this.bank = { did: deps.bank.did, publicUrl: deps.bank.publicUrl, name: deps.bank.name ?? DEFAULT_BANK_NAME }
  }

  // ---- rules ----------------------------------------------------------------------------------------------------------

  /** A new rule (version 1). Staff: only for a catalogue entry of their own institution; experts: any. */
  async createRule(input: NewRule, principal: Principal): Promise<RuleView> {
    const target = await this.entryOr(input.targetEntryId, '/targetEntryId')
    assertMayAuthor(principal, target.institutionId)
    const definition = await this.definitionOf(input, target)
    const now = this.clock().toISOString()
    const actor = actorOf(principal)
    const rule: RuleRecord = {
      id: randomUUID(),
      targetInstitutionId: target.institutionId,
      targetEntryId: target.id,
      currentVersion: 1,
      active: definition.active,
      createdBy: actorRef(actor),
      createdAt: now,
      updatedAt: now,
    }
    const version: RuleVersionRecord = { ruleId: rule.id, version: 1, definition, createdBy: rule.createdBy, createdAt: now }
    await transaction(this.ds, async (m) => {
      const store = new ConversionStore(m)
      await store.insertRule(rule)
      await store.insertVersion(version)
      await store.bumpGeneration()
      await record(m, {
        at: this.clock(),
        actor,
        action: 'conversion_rule_created',
        subject: { type: 'conversion_rule', id: rule.id },
        after: { version: 1, definition },
      })
    })
    this.checkedAt = -Infinity
    return ruleView(rule, version)
  }

  /** Edits a rule: a new version (the target course stays; a rule for another course is another rule). */
  async reviseRule(id: string, input: RuleInput, principal: Principal): Promise<RuleView> {
    const seen = await new ConversionStore(this.ds).findRule(id)
    if (!seen) throw new AppError('not_found', `no such conversion rule: ${id}`)
    assertMayAuthor(principal, seen.targetInstitutionId)
    const target = await this.deps.catalogue.get(seen.targetEntryId)
    const definition = await this.definitionOf(input, target)
    const actor = actorOf(principal)
    const revised = await transaction(this.ds, async (m) => {
      const store = new ConversionStore(m)
      const rule = (await store.findRule(id, { lock: true }))!
      const now = this.clock().toISOString()
      const version: RuleVersionRecord = {
        ruleId: id,
        version: rule.currentVersion + 1,
        definition,
        createdBy: actorRef(actor),
        createdAt: now,
      }
      await store.insertVersion(version)
      await store.setCurrentVersion(id, version.version, definition.active, now)
      await store.bumpGeneration()
      await record(m, {
        at: this.clock(),
        actor,
        action: 'conversion_rule_revised',
        subject: { type: 'conversion_rule', id },
        before: { version: rule.currentVersion },
        after: { version: version.version, definition },
      })
      return ruleView({ ...rule, currentVersion: version.version, active: definition.active, updatedAt: now }, version)
    })
    this.checkedAt = -Infinity
    return revised
  }

  async getRule(id: string): Promise<RuleView & { readonly versions: number }> {
    const store = new ConversionStore(this.ds)
    const rule = await store.findRule(id)
    if (!rule) throw new AppError('not_found', `no such conversion rule: ${id}`)
    const version = (await store.findVersion(id, rule.currentVersion))!
    return { ...ruleView(rule, version), versions: rule.currentVersion }
  }

  /** One version of a rule, as applications made under it are judged. */
  async getRuleVersion(id: string, version: number): Promise<RuleView> {
    const store = new ConversionStore(this.ds)
    const rule = await store.findRule(id)
    const v = rule && (await store.findVersion(id, version))
    if (!rule || !v) throw new AppError('not_found', `no version ${version} of conversion rule ${id}`)
    return ruleView(rule, v)
  }

  async listRules(filter: { targetInstitutionId?: string; after?: string; limit: number }): Promise<{ items: RuleView[]; next?: string }> {
    const store = new ConversionStore(this.ds)
    const rules = await store.listRules(
      {
        ...(filter.targetInstitutionId ? { targetInstitutionId: filter.targetInstitutionId } : {}),
        ...(filter.after ? { afterId: filter.after } : {}),
      },
      filter.limit + 1,
    )
    const shown = rules.slice(0, filter.limit)
    const items = await Promise.all(shown.map(async (r) => ruleView(r, (await store.findVersion(r.id, r.currentVersion))!)))
    return rules.length > filter.limit ? { items, next: shown.at(-1)!.id } : { items }
  }

  /** Checks an author's rule against the catalogue and freezes what the version needs of it. */
  private async definitionOf(input: RuleInput, target: CatalogueEntryRecord): Promise<RuleDefinition> {
    const issues: Issue[] = []
    const at = (path: string, message: string) => issues.push({ path, message })
    const ids = [...new Set(input.sources)]
    if (ids.length !== input.sources.length) at('/sources', 'must not name an entry twice')
    if (ids.includes(target.id)) at('/sources', 'must not include the target course itself')
    const sources: RuleSource[] = []
    for (const [i, id] of ids.entries()) {
      const entry = await this.entryOrUndefined(id)
      if (!entry) at(`/sources/${i}`, `no such catalogue entry: ${id}`)
      else
        sources.push({
          catalogueEntryId: entry.id,
          institutionId: entry.institutionId,
          code: entry.code,
          name: { zh: entry.nameZh, en: entry.nameEn },
          category: entry.category,
        })
    }
    if (input.require.mode === 'any' && input.require.count > ids.length) at('/require/count', `must be at most the ${ids.length} sources`)
    const credits = input.credits ?? target.creditsCenti / 100
    if (Math.abs(toCenti(credits) - credits * 100) > 1e-6) at('/credits', 'at most two decimals')
    else if (toCenti(credits) > target.creditsCenti)
      at('/credits', `must be at most the target course's ${target.creditsCenti / 100} credits`)
    const c = input.conditions ?? {}
    if (c.minResult?.kind === 'grade') {
      if (new Set(c.minResult.scale).size !== c.minResult.scale.length) at('/conditions/minResult/scale', 'must not repeat a grade')
      if (!c.minResult.scale.includes(c.minResult.min)) at('/conditions/minResult/min', 'must be a grade of the scale')
    }
    if (c.programme && toCenti(credits) > toCenti(c.programme.totalCredits * c.programme.maxShare))
      at('/conditions/programme', 'the conversion alone is more than the programme’s share')
    if (issues.length) throw invalid(issues)
    return {
      name: { zh: input.name.zh.trim(), en: input.name.en.trim() },
      sources,
      require: input.require,
      target: {
        catalogueEntryId: target.id,
        institutionId: target.institutionId,
        code: target.code,
        name: { zh: target.nameZh, en: target.nameEn },
        level: target.level,
        category: target.category,
        field: target.field,
        credits,
      },
      conditions: {
        ...(c.minResult ? { minResult: c.minResult } : {}),
        ...(c.maxAgeYears !== undefined ? { maxAgeYears: c.maxAgeYears } : {}),
        ...(c.excludedCategories?.length ? { excludedCategories: [...new Set(c.excludedCategories)] } : {}),
        ...(c.programme ? { programme: c.programme } : {}),
      },
      active: input.active ?? true,
    }
  }

  private async entryOrUndefined(id: string): Promise<CatalogueEntryRecord | undefined> {
    return this.deps.catalogue.get(id).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_found') return undefined
      throw err
    })
  }

  private async entryOr(id: string, path: string): Promise<CatalogueEntryRecord> {
    const entry = await this.entryOrUndefined(id)
    if (!entry) throw invalid([{ path, message: `no such catalogue entry: ${id}` }])
    return entry
  }

  // ---- the advice -------------------------------------------------------------------------------------------------------

  /**
   * The active rules' current versions by source catalogue entry, rebuilt when the database's generation is not the one
   * held (read at most once per GENERATION_CHECK_MS, and at once after this instance changed a rule; a rebuild reads
   * every active rule once).
   */
  private async index(): Promise<{ generation: number; byEntry: Map<string, RuleVersionRecord[]>; rules: number }> {
    const store = new ConversionStore(this.ds)
    if (this.cached && performance.now() - this.checkedAt < GENERATION_CHECK_MS) return this.cached
    const generation = await store.generation()
    this.checkedAt = performance.now()
    if (this.cached?.generation === generation) return this.cached
    if (!this.building)
      this.building = (async () => {
        const versions = await store.activeCurrentVersions()
        const byEntry = new Map<string, RuleVersionRecord[]>()
        for (const v of versions)
          for (const s of v.definition.sources) {
            const list = byEntry.get(s.catalogueEntryId)
            if (list) list.push(v)
            else byEntry.set(s.catalogueEntryId, [v])
          }
        return { generation, byEntry, rules: versions.length }
      })().finally(() => (this.building = undefined))
    const built = await this.building
    // A build that began under an older generation still answers this call; the next one sees the newer generation.
    if (!this.cached || built.generation >= this.cached.generation) this.cached = built
    return built
  }

  /** The learner's outcomes that rules may count: recognized, of a catalogue entry, their credential neither revoked nor suspended. */
  private async usableOutcomes(idHash: string): Promise<{ all: OutcomeFacts[]; usable: Map<string, UsableOutcome> }> {
    const all = await this.deps.outcomes.outcomeFactsForLearner(idHash)
    const recognized = recognizedOf(all)
    return { all, usable: usableOf(recognized, await this.deps.statuses.credentialStatuses(recognized.map((o) => o.credentialId!))) }
  }

  /** What a learner's applications hold: credits per programme (pending and approved, or approved only) and rules applied for. */
  private static applicationsSummary(apps: readonly ApplicationRecord[], states: readonly ApplicationState[], exceptId?: string) {
    const programmeCredits = new Map<string, number>()
    const appliedRules = new Set<string>()
    const appliedTargets = new Set<string>()
    for (const a of apps) {
      if (!states.includes(a.state) || a.id === exceptId) continue
      appliedRules.add(a.ruleId)
      appliedTargets.add(a.targetEntryId)
      if (a.programmeCode !== null) {
        const key = programmeKey(a.targetInstitutionId, a.programmeCode)
        programmeCredits.set(key, Math.round((programmeCredits.get(key) ?? 0) * 100 + a.creditsCenti) / 100)
      }
    }
    return { programmeCredits, appliedRules, appliedTargets }
  }

  /**
   * "What can my outcomes be converted into?": the active rules (current versions) touching the learner's usable
   * outcomes, met ones and those missing at most NEARLY_MET_MAX_MISSING things, ranked: met first (most credits first),
   * then by fewest missing, then most credits, then rule id. Rules the learner has a pending or approved application
   * under are left out (their application says where they stand).
   */
  async advice(idHash: string): Promise<Advice> {
    const store = new ConversionStore(this.ds)
    const [index, facts, apps] = await Promise.all([
      this.index(),
      this.deps.outcomes.outcomeFactsForLearner(idHash),
      store.applicationsOf(idHash),
    ])
    const recognized = recognizedOf(facts)
    const ids = recognized.map((o) => o.id)
    const [statuses, uses] = await Promise.all([
      this.deps.statuses.credentialStatuses(recognized.map((o) => o.credentialId!)),
      store.usesAmong(ids),
    ])
    const usable = usableOf(recognized, statuses)
    const used = new Set(uses.keys())
    const { programmeCredits, appliedRules, appliedTargets } = Conversion.applicationsSummary(apps, ['pending', 'approved'])
    const byEntry = groupByEntry(usable.values())
    const candidates = new Set<RuleVersionRecord>()
    for (const entryId of byEntry.keys()) for (const v of index.byEntry.get(entryId) ?? []) candidates.add(v)
    const ctx = { asOf: chinaDate(this.clock()), used, programmeCredits, oldest: new Map<number, string>() }
    // Every candidate counted without allocating; only the rules shown are evaluated in full (what is missing).
    type Ranked = { readonly v: RuleVersionRecord; readonly missing: number; readonly credits: number }
    const met: Ranked[] = []
    const nearly: Ranked[] = []
    for (const v of candidates) {
      if (appliedRules.has(v.ruleId) || appliedTargets.has(v.definition.target.catalogueEntryId)) continue
      const missing = missingCountOf(v.definition, byEntry, ctx)
      if (missing === 0) met.push({ v, missing, credits: v.definition.target.credits })
      else if (missing <= NEARLY_MET_MAX_MISSING) nearly.push({ v, missing, credits: v.definition.target.credits })
    }
    // Met: most credits first; nearly met: fewest missing, then most credits; ties by rule id (a stable answer).
    const rank = (a: Ranked, b: Ranked) =>
      a.missing - b.missing || b.credits - a.credits || (a.v.ruleId < b.v.ruleId ? -1 : a.v.ruleId > b.v.ruleId ? 1 : 0)
    met.sort(rank)
    nearly.sort(rank)
    const shown = (v: RuleVersionRecord) => adviceItem(v, evaluateRule(v.definition, byEntry, ctx))
    return {
      met: met.slice(0, ADVICE_MAX_ITEMS).map((m) => shown(m.v)),
      nearlyMet: nearly.slice(0, ADVICE_MAX_ITEMS).map((n) => shown(n.v)),
      counts: { met: met.length, nearlyMet: nearly.length, rulesConsidered: candidates.size },
    }
  }

  // ---- applications -----------------------------------------------------------------------------------------------------

  /**
   * A learner applies under a rule's current version with outcomes of theirs (recognized, standing, each of a source
   * entry): judged now by that version; the outcomes are held in the application's transaction, so two applications
   * with the same outcome at the same moment cannot both be made.
   */
  async apply(userId: string, input: { ruleId: string; outcomeIds: readonly string[] }, actor: AuditActor): Promise<ApplicationView> {
    const learner = await this.deps.learners.identityOf(userId)
    if (!learner)
      throw new AppError('real_name_required', 'pass real-name verification (实名认证) first: outcomes are held against your identity')
    const store = new ConversionStore(this.ds)
    const rule = await store.findRule(input.ruleId)
    if (!rule) throw new AppError('not_found', `no such conversion rule: ${input.ruleId}`)
    const version = (await store.findVersion(rule.id, rule.currentVersion))!
    const def = version.definition
    if (!def.active)
      throw new AppError('rule_inactive', `conversion rule ${rule.id} is retired (version ${version.version}); no new applications`)
    const outcomeIds = [...new Set(input.outcomeIds)]
    const { all, usable } = await this.usableOutcomes(learner.idHash)
    const mine = new Map(all.map((o) => [o.id, o]))
    const chosen: UsableOutcome[] = []
    const issues: Issue[] = []
    for (const [i, id] of outcomeIds.entries()) {
      const o = mine.get(id)
      if (!o) throw new AppError('not_found', `you have no learning outcome ${id}`)
      const u = usable.get(id)
      if (!u)
        throw new AppError(
          'outcome_not_usable',
          o.state !== 'recognized'
            ? `outcome ${id} is ${o.state}; only recognized outcomes convert`
            : o.catalogueEntryId === null
              ? `outcome ${id} is outside the catalogue; conversion rules name catalogue entries`
              : `the credential of outcome ${id} is revoked or suspended`,
        )
      if (!def.sources.some((s) => s.catalogueEntryId === u.catalogueEntryId))
        issues.push({ path: `/outcomeIds/${i}`, message: `outcome ${id} is not of a source course of this rule` })
      else if (chosen.some((c) => c.catalogueEntryId === u.catalogueEntryId))
        issues.push({ path: `/outcomeIds/${i}`, message: `two outcomes of one source course: ${id} is not needed` })
      chosen.push(u)
    }
    if (issues.length) throw new AppError('invalid_request', `the application is not valid: ${issues[0]!.message}`, { issues })
    const apps = await store.applicationsOf(learner.idHash)
    const { programmeCredits, appliedTargets } = Conversion.applicationsSummary(apps, ['pending', 'approved'])
    if (appliedTargets.has(def.target.catalogueEntryId))
      throw new AppError('conversion_already_applied', `you already have a pending or approved conversion into ${def.target.code}`)
    await this.assertUnused(store, outcomeIds)
    const asOf = chinaDate(this.clock())
    const evaluation = evaluateRule(def, groupByEntry(chosen), { asOf, used: new Set(), programmeCredits })
    assertMet(evaluation, rule.id, version.version)
    const now = this.clock().toISOString()
    const application: ApplicationRecord = {
      id: randomUUID(),
      ruleId: rule.id,
      ruleVersion: version.version,
      learnerUserId: userId,
      idHash: learner.idHash,
      identityObject: residentIdIdentityObject(learner.residentId),
      targetInstitutionId: def.target.institutionId,
      targetEntryId: def.target.catalogueEntryId,
      programmeCode: def.conditions.programme?.code ?? null,
      creditsCenti: toCenti(def.target.credits),
      outcomes: chosen.map((u) => ({
        id: u.id,
        catalogueEntryId: u.catalogueEntryId,
        credentialId: u.credentialId,
        result: u.result,
        awardedDate: u.awardedDate,
        name: def.sources.find((s) => s.catalogueEntryId === u.catalogueEntryId)!.name,
      })),
      state: 'pending',
      reasonZh: null,
      reasonEn: null,
      decidedBy: null,
      decidedAt: null,
      credentialId: null,
      createdAt: now,
      updatedAt: now,
    }
    try {
      await transaction(this.ds, async (m) => {
        const tx = new ConversionStore(m)
        await this.assertUnused(tx, outcomeIds)
        await tx.insertApplication(application)
        await tx.insertUses(application.id, outcomeIds)
        await record(m, {
          at: this.clock(),
          actor,
          action: 'conversion_applied',
          subject: { type: 'conversion_application', id: application.id },
          after: auditState(application),
        })
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyConverted(outcomeIds)
      throw err
    }
    return applicationView(application, def)
  }

  private async assertUnused(store: ConversionStore, outcomeIds: readonly string[]): Promise<void> {
    const uses = await store.usesAmong(outcomeIds)
    if (uses.size) throw alreadyConverted([...uses.keys()])
  }

  /** The learner's applications (by the identity their verification gave them), newest first, with the credential once approved. */
  async applicationsOfLearner(idHash: string): Promise<(ApplicationView & { verifiableCredential: Record<string, unknown> | null })[]> {
    const store = new ConversionStore(this.ds)
    const apps = await store.applicationsOf(idHash)
    return Promise.all(
      apps.map(async (a) => {
        const def = (await store.findVersion(a.ruleId, a.ruleVersion))!.definition
        const issued = a.credentialId === null ? undefined : await this.deps.issuer.findBankIssued(a.credentialId)
        return { ...applicationView(a, def), verifiableCredential: issued?.verifiableCredential ?? null }
      }),
    )
  }

  /** A target institution's applications (its staff), oldest first. */
  async applicationsForStaff(
    principal: Principal,
    filter: { state?: ApplicationState; after?: string; limit: number },
  ): Promise<{ items: ApplicationView[]; nextCursor?: string }> {
    const institutionId = staffInstitution(principal)
    const key = filter.after === undefined ? undefined : decodeCursor(filter.after)
    const after = key && { createdAt: key[0], id: key[1] }
    const store = new ConversionStore(this.ds)
    const rows = await store.applicationsFor(
      institutionId,
      { ...(filter.state ? { state: filter.state } : {}), ...(after ? { after } : {}) },
      filter.limit + 1,
    )
    const shown = rows.slice(0, filter.limit)
    const items = await Promise.all(
      shown.map(async (a) => applicationView(a, (await store.findVersion(a.ruleId, a.ruleVersion))!.definition)),
    )
    const last = shown.at(-1)
    return rows.length > filter.limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.id]) } : { items }
  }

  /**
   * The target institution's staff decide a pending application: reject (with a reason; its outcomes are free again)
   * or approve — judged again by the version it was made under, ages counted to the day it was made, its outcomes still
   * recognized and standing, the programme's share counted over the learner's approved conversions — and the target
   * course's AchievementCredential signed in the same transaction. Another institution's application is not found.
   */
  async decide(
    applicationId: string,
    decision: 'approve' | 'reject',
    reasonInput: ReasonInput | undefined,
    principal: Principal,
  ): Promise<ApplicationView> {
    const institutionId = staffInstitution(principal)
    const actor = actorOf(principal)
    const reason = normalizeReason(reasonInput)
    if (decision === 'reject' && reason.zh === null && reason.en === null)
      throw new AppError('reason_required', 'a rejection needs a reason the learner can read (reason: {zh, en} or a text)')
    const store = new ConversionStore(this.ds)
    const seen = await store.findApplication(applicationId)
    if (!seen || seen.targetInstitutionId !== institutionId)
      throw new AppError('not_found', `no conversion application ${applicationId} for your institution`)
    assertPending(seen)
    const def = (await store.findVersion(seen.ruleId, seen.ruleVersion))!.definition
    if (decision === 'reject') {
      const decided = await transaction(this.ds, async (m) => {
        const tx = new ConversionStore(m)
        const app = (await tx.findApplication(applicationId, { lock: true }))!
        assertPending(app)
        const now = this.clock().toISOString()
        const next: ApplicationRecord = {
          ...app,
          state: 'rejected',
          reasonZh: reason.zh,
          reasonEn: reason.en,
          decidedBy: actorRef(actor),
          decidedAt: now,
          updatedAt: now,
        }
        await tx.decideApplication(app.id, next)
        await tx.deleteUses(app.id)
        await record(m, {
          at: this.clock(),
          actor,
          action: 'conversion_rejected',
          subject: { type: 'conversion_application', id: app.id },
          before: { state: app.state },
          after: { state: 'rejected', reason },
        })
        return next
      })
      return applicationView(decided, def)
    }
    // Approve: what the credential needs, read before the transaction; the outcomes as they stand now.
    const [target, institution, { usable }] = await Promise.all([
      this.deps.catalogue.get(seen.targetEntryId),
      this.deps.alliance.get(seen.targetInstitutionId),
      this.usableOutcomes(seen.idHash),
    ])
    const gone = seen.outcomes.filter((o) => !usable.has(o.id))
    if (gone.length)
      throw new AppError(
        'outcome_not_usable',
        `outcome ${gone.map((o) => o.id).join(', ')} is no longer recognized or its credential was revoked or suspended; reject the application with a reason`,
      )
    const chosen = seen.outcomes.map((o) => usable.get(o.id)!)
    const decided = await transaction(this.ds, async (m) => {
      const tx = new ConversionStore(m)
      // The learner's applications, locked: two approvals for one learner queue, so the programme's share holds.
      const apps = await tx.applicationsOf(seen.idHash, { lock: true })
      const app = apps.find((a) => a.id === applicationId)!
      assertPending(app)
      const { programmeCredits } = Conversion.applicationsSummary(apps, ['approved'], app.id)
      const evaluation = evaluateRule(def, groupByEntry(chosen), {
        asOf: chinaDate(new Date(app.createdAt)),
        used: new Set(),
        programmeCredits,
      })
      assertMet(evaluation, app.ruleId, app.ruleVersion)
      const now = this.clock()
      const credentialId = newCredentialId()
      const credential = buildConversionCredential(this.bank, {
        credentialId,
        applicationId: app.id,
        identityObject: app.identityObject,
        target,
        institution,
        credits: app.creditsCenti / 100,
        awardedDate: chinaDate(now),
        ruleId: app.ruleId,
        ruleVersion: app.ruleVersion,
        sources: app.outcomes.map((o) => ({ credentialId: o.credentialId, catalogueEntryId: o.catalogueEntryId, name: o.name })),
      })
      await this.deps.issuer.issueManyIn(m, [{ credential }], null)
      const next: ApplicationRecord = {
        ...app,
        state: 'approved',
        reasonZh: reason.zh,
        reasonEn: reason.en,
        decidedBy: actorRef(actor),
        decidedAt: now.toISOString(),
        credentialId,
        updatedAt: now.toISOString(),
      }
      await tx.decideApplication(app.id, next)
      await record(m, {
        at: now,
        actor,
        action: 'conversion_approved',
        subject: { type: 'conversion_application', id: app.id },
        before: { state: app.state },
        after: { state: 'approved', credentialId, reason },
      })
      return next
    })
    return applicationView(decided, def)
  }

  /** The learner's approved conversions, for the ledger: the target course, its credits, level, category, institution, date, credential. */
  async approvedFor(idHash: string): Promise<ApprovedConversion[]> {
    const store = new ConversionStore(this.ds)
    const apps = (await store.applicationsOf(idHash)).filter((a) => a.state === 'approved')
    return Promise.all(
      apps.map(async (a) => {
        const t = (await store.findVersion(a.ruleId, a.ruleVersion))!.definition.target
        return {
          id: a.id,
          credentialId: a.credentialId!,
          name: t.name,
          code: t.code,
          level: t.level,
          category: t.category,
          field: t.field,
          institutionId: t.institutionId,
          credits: a.creditsCenti / 100,
          awardedDate: chinaDate(new Date(a.decidedAt!)),
          term: null,
          sourceOutcomeIds: a.outcomes.map((o) => o.id),
        }
      }),
    )
  }
}

const recognizedOf = (facts: readonly OutcomeFacts[]): OutcomeFacts[] =>
  facts.filter((o) => o.state === 'recognized' && o.credentialId !== null && o.catalogueEntryId !== null)

function usableOf(
  recognized: readonly OutcomeFacts[],
  statuses: ReadonlyMap<string, { readonly revoked: boolean; readonly suspended: boolean }>,
): Map<string, UsableOutcome> {
  const usable = new Map<string, UsableOutcome>()
  for (const o of recognized) {
    const s = statuses.get(o.credentialId!)
    if (!s || s.revoked || s.suspended) continue
    usable.set(o.id, {
      id: o.id,
      catalogueEntryId: o.catalogueEntryId!,
      result: o.result,
      awardedDate: o.awardedDate,
      credentialId: o.credentialId!,
    })
  }
  return usable
}

function groupByEntry(outcomes: Iterable<UsableOutcome>): Map<string, UsableOutcome[]> {
  const byEntry = new Map<string, UsableOutcome[]>()
  for (const o of outcomes) {
    const list = byEntry.get(o.catalogueEntryId)
    if (list) list.push(o)
    else byEntry.set(o.catalogueEntryId, [o])
  }
  // Newest first: the most recent outcome of a course is the one a rule counts first.
  for (const list of byEntry.values()) list.sort((a, b) => (a.awardedDate < b.awardedDate ? 1 : a.awardedDate > b.awardedDate ? -1 : 0))
  return byEntry
}

const adviceItem = (v: RuleVersionRecord, e: Evaluation): AdviceItem => ({
  ruleId: v.ruleId,
  version: v.version,
  name: v.definition.name,
  target: v.definition.target,
  require: v.definition.require,
  missingCount: e.missingCount,
  missing: e.missing,
  outcomeIds: e.outcomeIds,
})

function assertMet(e: Evaluation, ruleId: string, version: number): void {
  if (e.met) return
  const issues = e.missing.map((m, i) => ({ path: `/missing/${i}`, message: describeMissing(m) }))
  throw new AppError(
    'conversion_conditions_not_met',
    `the outcomes do not meet conversion rule ${ruleId} (version ${version}): ${issues.map((i) => i.message).join('; ')}`,
    { issues },
  )
}

function alreadyConverted(outcomeIds: readonly string[]): AppError {
  return new AppError(
    'outcome_already_converted',
    `outcome ${outcomeIds.join(', ')} is already used by a pending or approved conversion (一项成果只能转换一次)`,
  )
}

function assertPending(a: ApplicationRecord): void {
  if (a.state !== 'pending') throw new AppError('application_already_decided', `conversion application ${a.id} was already ${a.state}`)
}

/** Staff act for their institution; experts author for any. */
function assertMayAuthor(p: Principal, institutionId: string): void {
  if (p.kind === 'user' && p.role === 'expert') return
  if (p.kind === 'user' && p.role === 'staff' && p.institutionId === institutionId) return
  throw new AppError('forbidden', `only the expert committee or staff of ${institutionId} author conversion rules into its courses`)
}

function staffInstitution(p: Principal): string {
  if (p.kind !== 'user' || p.role !== 'staff' || p.institutionId === null)
    throw new AppError('forbidden', 'conversion applications are decided by the target institution’s staff')
  return p.institutionId
}

const ruleView = (r: RuleRecord, v: RuleVersionRecord): RuleView => ({
  id: r.id,
  targetInstitutionId: r.targetInstitutionId,
  version: v.version,
  active: v.definition.active,
  definition: v.definition,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  versionCreatedAt: v.createdAt,
})

const applicationView = (a: ApplicationRecord, def: RuleDefinition): ApplicationView => ({
  id: a.id,
  ruleId: a.ruleId,
  ruleVersion: a.ruleVersion,
  state: a.state,
  target: def.target,
  programmeCode: a.programmeCode,
  credits: a.creditsCenti / 100,
  outcomes: a.outcomes,
  reason: a.reasonZh === null && a.reasonEn === null ? null : { zh: a.reasonZh, en: a.reasonEn },
  credentialId: a.credentialId,
  createdAt: a.createdAt,
  decidedAt: a.decidedAt,
})

/** An application for the audit trail: what and under which version, never the learner's identity hashes. */
const auditState = (a: ApplicationRecord) => ({
  state: a.state,
  ruleId: a.ruleId,
  ruleVersion: a.ruleVersion,
  targetEntryId: a.targetEntryId,
  credits: a.creditsCenti / 100,
  outcomeIds: a.outcomes.map((o) => o.id),
})
