// Recognition (认定): learning outcomes enter the bank by an institution's import or a learner's deposit; those within the
// institution's accreditation are recognized at once, the others wait in the queue for a reviewer (or, referred, for the
// expert committee). A recognized outcome has exactly one AchievementCredential, stored in the recognition's transaction.
import type { DataSource, EntityManager } from 'typeorm'
import { chinaToday, isIsoDate } from '../../core/calendar.ts'
import type { Clock } from '../../core/clock.ts'
import type { IdentityObject } from '../../core/credentials/types.ts'
import { AppError, type Issue } from '../../core/errors.ts'
import { transaction, type Db } from '../../core/store/sql.ts'
import { newRowId, newCredentialId } from '../../core/store/ids.ts'
import type { Principal } from '../accounts/principal.ts'
import { scopesCover, scopesInForce } from '../alliance/alliance.ts'
import type { AccreditationScopeRecord, InstitutionRecord } from '../alliance/institution-store.ts'
import { record, recordMany, type AuditActor, type AuditEntry } from '../audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import type { BankIssueOptions, BankIssueRequest, IssuedCredential, SignedBatch, SlotSource } from '../credentials/issue-credential.ts'
import {
  buildOutcomeCredential,
  DEFAULT_BANK_NAME,
  outcomeCredentialShape,
  type Bilingual,
  type SharedParts,
  type OutcomeAchievementSource,
} from './achievement-credential.ts'
import { OutcomeStore, type OutcomeClaim, type OutcomePosition, type OutcomeRecord, type OutcomeState } from './outcome-store.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

export interface OutcomeLearner {
  /** The keyed hash of the resident identity number (PersonalDataProtector.idNumberHash). */
  readonly idHash: string
  /** The salted, hashed identity object the credential names the learner with. */
  readonly identityObject: IdentityObject
}

export interface ImportedOutcome {
  readonly institutionId: string
  /** The institution's own key for the row; (institutionId, recordKey) is unique. */
  readonly recordKey: string
  readonly learner: OutcomeLearner
  /** A catalogue entry of that institution. */
  readonly catalogueEntryId: string
  /** At most the entry's credits. */
  readonly creditsEarned: number
  /** Grade or mark, as text. */
  readonly result?: string
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  readonly term?: string
  readonly activityStartDate?: string
  readonly activityEndDate?: string
}

export type ImportRowOutcome =
  | { readonly recordKey: string; readonly status: 'imported'; readonly outcomeId: string; readonly credentialId: string }
  | { readonly recordKey: string; readonly status: 'to_review'; readonly outcomeId: string }
  | { readonly recordKey: string; readonly status: 'duplicate'; readonly outcomeId: string }

export interface DepositedOutcome {
  readonly depositId: string
  readonly learner: OutcomeLearner
  /** A catalogue entry, if the outcome is in the catalogue. */
  readonly catalogueEntryId?: string
  /** Otherwise: what the learner says it is (expert referral likely). */
  readonly claim?: OutcomeClaim
  readonly result?: string
  /** YYYY-MM-DD. */
  readonly awardedDate: string
}

/** An import's batch checked, built and signed, not written yet (Recognition.prepareImportBatch). */
export interface PreparedImportBatch {
  /** Each row's outcome, in the batch's order. */
  readonly results: readonly ImportRowOutcome[]
  readonly outcomes: readonly OutcomeRecord[]
  /** The credentials of the outcomes recognized at once; undefined when there are none. */
  readonly credentials: SignedBatch | undefined
  readonly actor: AuditActor
  readonly importJobId: string | null
  /** Rows of the batch per institution (its audit entries' counts). */
  readonly rowsOf: ReadonlyMap<string, number>
}

/** What a batch of imported outcomes is checked and built against (Recognition's batchContext). */
interface BatchContext {
  readonly entries: ReadonlyMap<string, CatalogueEntryRecord>
  readonly institutions: ReadonlyMap<string, InstitutionRecord>
  readonly scopes: ReadonlyMap<string, AccreditationScopeRecord[]>
}

/** A decision's reason: zh and/or en, or one text (kept for both languages). */
export type ReasonInput = { readonly zh?: string; readonly en?: string } | string

export const REVIEWER_DECISIONS = ['approve', 'reject', 'refer'] as const
export type ReviewerDecision = (typeof REVIEWER_DECISIONS)[number]
export const EXPERT_DECISIONS = ['approve', 'reject'] as const
export type ExpertDecision = (typeof EXPERT_DECISIONS)[number]

/** An outcome as learners and reviewers see it (no identity: the learner's hashes stay in the bank). */
export interface OutcomeView {
  readonly id: string
  readonly source: 'import' | 'deposit'
  readonly state: OutcomeState
  readonly institutionId: string | null
  readonly recordKey: string | null
  readonly importJobId: string | null
  readonly depositId: string | null
  readonly achievement: {
    readonly catalogueEntryId: string | null
    readonly code: string | null
    readonly name: Bilingual
    readonly issuerName: string | null
    readonly level: number
    readonly category: 'academic' | 'non_academic'
    readonly field: string
    readonly credits: number
  }
  readonly creditsEarned: number
  readonly result: string | null
  readonly awardedDate: string
  readonly term: string | null
  readonly activityStartDate: string | null
  readonly activityEndDate: string | null
  readonly reason: { readonly zh: string | null; readonly en: string | null } | null
  readonly credentialId: string | null
  readonly createdAt: string
  readonly referredAt: string | null
  readonly decidedAt: string | null
}

/** An outcome as stored, without its achievement (Recognition.outcomeFactsForLearner). */
export interface OutcomeFacts {
  readonly id: string
  readonly state: OutcomeState
  /** Null for a deposit outside the catalogue. */
  readonly catalogueEntryId: string | null
  readonly creditsEarned: number
  readonly result: string | null
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  readonly credentialId: string | null
}

const FACTS_PAGE = 1000

export interface OutcomePage {
  readonly items: OutcomeView[]
  /** Pass as `after` for the next page; absent on the last one. */
  readonly nextCursor?: string
}

/** The issuing path, in the caller's transaction (CredentialIssuer.issueManyIn), or signed first and stored later. */
export interface TransactionalIssuer {
  issueManyIn(
    m: EntityManager,
    requests: readonly BankIssueRequest[],
    clientId: string | null,
    opts?: BankIssueOptions,
  ): Promise<IssuedCredential[]>
  signBank(requests: readonly BankIssueRequest[], slots: SlotSource, opts?: BankIssueOptions): Promise<SignedBatch>
  storeSigned(m: EntityManager, batch: SignedBatch): Promise<void>
  slotsIn(m: EntityManager): SlotSource
  findBankIssued(id: string): Promise<IssuedCredential | undefined>
}
/** Catalogue entries, through the catalogue's use case. */
export interface EntryDirectory {
  get(id: string): Promise<CatalogueEntryRecord>
}
/** Institutions and their accreditation scopes, through the alliance's use cases. */
export interface AccreditationDirectory {
  get(id: string): Promise<InstitutionRecord>
  scopes(institutionId: string): Promise<AccreditationScopeRecord[]>
}
/** The framework's levels, through its use case. */
export interface LevelDirectory {
  hasLevels(levels: readonly number[]): Promise<number[]>
}

export interface RecognitionDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly issuer: TransactionalIssuer
  readonly catalogue: EntryDirectory
  readonly alliance: AccreditationDirectory
  readonly levels: LevelDirectory
  /** The bank's DID and public URL (achievement and institution ids live under it); its name defaults to DEFAULT_BANK_NAME. */
  readonly bank: { readonly did: string; readonly publicUrl: URL; readonly name?: Bilingual }
}

/** Auto-recognition's reason, shown to the learner. */
const WITHIN_ACCREDITATION = {
  zh: '该成果在机构的认证范围内，导入时自动认定。',
  en: "Within the institution's accreditation: recognized when it was imported.",
}

const actorRef = (a: AuditActor): string => `${a.type}:${a.id}`
/** A YYYY-MM-DD date as the instant accreditation scopes are compared with (the alliance reads a bare date as UTC midnight). */
const dateInstant = (date: string): Date => new Date(`${date}T00:00:00Z`)
const hasTwoDecimalsAtMost = (n: number): boolean => Number.isFinite(n) && Math.abs(Math.round(n * 100) - n * 100) < 1e-6
const blank = (s: string | undefined): boolean => s === undefined || !s.trim()

function normalizeReason(reason: ReasonInput | undefined): { zh: string | null; en: string | null } {
  if (reason === undefined) return { zh: null, en: null }
  if (typeof reason === 'string') return blank(reason) ? { zh: null, en: null } : { zh: reason.trim(), en: reason.trim() }
  return { zh: blank(reason.zh) ? null : reason.zh!.trim(), en: blank(reason.en) ? null : reason.en!.trim() }
}

const invalid = (issues: Issue[]): AppError =>
  new AppError('invalid_request', `the outcome is not valid: ${issues[0]!.path} ${issues[0]!.message}`, { issues })

export class Recognition {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly issuer: TransactionalIssuer
  private readonly catalogue: EntryDirectory
  private readonly alliance: AccreditationDirectory
  private readonly levels: LevelDirectory
  private readonly bank: { did: string; publicUrl: URL; name: Bilingual }

  constructor(deps: RecognitionDeps) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.issuer = deps.issuer
    this.catalogue = deps.catalogue
    this.alliance = deps.alliance
    this.levels = deps.levels
    this.bank = { did: deps.bank.did, publicUrl: deps.bank.publicUrl, name: deps.bank.name ?? DEFAULT_BANK_NAME }
  }

  /**
   * One batch (up to a few thousand rows) in ONE transaction — the caller's `opts.m`, or one of its own: rows inserted
   * idempotently by (institutionId, recordKey) (a key already stored, or repeated in the batch, is a 'duplicate' and
   * changes nothing); rows whose catalogue entry's category, level and field the institution was accredited for on the
   * awarded date are recognized at once, their AchievementCredentials signed and stored in the same transaction (an
   * import signs a chunk before its transaction: {@link prepareImportBatch}, {@link writeImportBatch}); the
   * others are 'to_review' (pending in the queue). A row that is not valid (no such entry, an entry of another
   * institution, credits beyond the entry's, a date that is not one) refuses the whole batch before anything is written.
   * One audit entry per institution per batch (`outcome_recorded`, with the counts and ids).
   */
  async recordImportBatch(
    rows: readonly ImportedOutcome[],
    actor: AuditActor,
    opts: { importJobId?: string; m?: EntityManager } = {},
  ): Promise<ImportRowOutcome[]> {
    if (!rows.length) return []
    // Read before a transaction of its own holds a connection: these reads go through the use cases' own.
    const context = await this.batchContext(rows)
    const run = async (m: EntityManager) => {
      const opened = { importJobId: opts.importJobId, db: m, slots: this.issuer.slotsIn(m) }
      return this.writeImportBatch(m, await this.buildImportBatch(rows, actor, context, opened))
    }
    return opts.m ? run(opts.m) : transaction(this.ds, run)
  }

  /**
   * The first half of {@link recordImportBatch}, which writes nothing: the rows checked, which of their record keys are
   * stored read, the outcomes built and the credentials of those within accreditation signed in the status slots
   * `slots` gives. An import prepares chunk n+1 this way, outside any transaction and with slots reserved ahead,
   * while chunk n is written (imports.ts). What it read may be stale by the time it is written: another job may store
   * one of its record keys meanwhile, and then {@link writeImportBatch} meets a unique violation.
   */
  async prepareImportBatch(
    rows: readonly ImportedOutcome[],
    actor: AuditActor,
    opts: { importJobId?: string; slots: SlotSource },
  ): Promise<PreparedImportBatch> {
    return this.buildImportBatch(rows, actor, await this.batchContext(rows), opts)
  }

  /** A batch built and signed against its context; which record keys are stored is read from `opts.db` (a transaction's). */
  private async buildImportBatch(
    rows: readonly ImportedOutcome[],
    actor: AuditActor,
    { entries, institutions, scopes }: BatchContext,
    opts: { importJobId?: string; db?: Db; slots: SlotSource },
  ): Promise<PreparedImportBatch> {
    const store = new OutcomeStore(opts.db ?? this.ds)
    const importJobId = opts.importJobId ?? null
    const now = this.clock().toISOString()
    // Ids taken by each institution's record keys: stored already, or by an earlier row of this batch.
    const taken = new Map<string, Map<string, string>>()
    for (const institutionId of institutions.keys()) {
      const keys = [...new Set(rows.filter((r) => r.institutionId === institutionId).map((r) => r.recordKey))]
      taken.set(institutionId, await store.idsByRecordKey(institutionId, keys))
    }
    const inForce = new Map<string, AccreditationScopeRecord[]>()
    const results: ImportRowOutcome[] = []
    const outcomes: OutcomeRecord[] = []
    const requests: BankIssueRequest[] = []
    const shared: SharedParts = new Map()
    const rowsOf = new Map<string, number>()
    for (const r of rows) {
      rowsOf.set(r.institutionId, (rowsOf.get(r.institutionId) ?? 0) + 1)
      const ids = taken.get(r.institutionId)!
      const existing = ids.get(r.recordKey)
      if (existing !== undefined) {
        results.push({ recordKey: r.recordKey, status: 'duplicate', outcomeId: existing })
        continue
      }
      const entry = entries.get(r.catalogueEntryId)!
      const scopeKey = `${r.institutionId}\n${r.awardedDate}`
      let scopesThen = inForce.get(scopeKey)
      if (!scopesThen) inForce.set(scopeKey, (scopesThen = scopesInForce(scopes.get(r.institutionId)!, dateInstant(r.awardedDate))))
      const accredited = scopesCover(scopesThen, { category: entry.category, level: entry.level, field: entry.field })
      const outcome: OutcomeRecord = {
        id: newRowId(),
        source: 'import',
        institutionId: r.institutionId,
        recordKey: r.recordKey,
        importJobId,
        depositId: null,
        idHash: r.learner.idHash,
        identityObject: r.learner.identityObject,
        catalogueEntryId: entry.id,
        claim: null,
        creditsCenti: Math.round(r.creditsEarned * 100),
        result: r.result ?? null,
        awardedDate: r.awardedDate,
        term: r.term ?? null,
        activityStartDate: r.activityStartDate ?? null,
        activityEndDate: r.activityEndDate ?? null,
        state: accredited ? 'recognized' : 'pending',
        reasonZh: accredited ? WITHIN_ACCREDITATION.zh : null,
        reasonEn: accredited ? WITHIN_ACCREDITATION.en : null,
        referredBy: null,
        referredAt: null,
        decidedBy: accredited ? actorRef(actor) : null,
        decidedAt: accredited ? now : null,
        credentialId: accredited ? newCredentialId() : null,
        createdAt: now,
        updatedAt: now,
      }
      ids.set(r.recordKey, outcome.id)
      outcomes.push(outcome)
      if (accredited) {
        const source = { kind: 'catalogue', entry, institution: institutions.get(r.institutionId)! } as const
        requests.push({
          credential: buildOutcomeCredential(this.bank, outcome, source, outcome.credentialId!, shared),
          shape: outcomeCredentialShape(outcome, source),
        })
        results.push({ recordKey: r.recordKey, status: 'imported', outcomeId: outcome.id, credentialId: outcome.credentialId! })
      } else results.push({ recordKey: r.recordKey, status: 'to_review', outcomeId: outcome.id })
    }
    const credentials = requests.length ? await this.issuer.signBank(requests, opts.slots, { trustedShape: true }) : undefined
    return { results, outcomes, credentials, actor, importJobId, rowsOf }
  }

  /**
   * The second half of {@link recordImportBatch}: a prepared batch's outcomes, credentials and audit entries (one
   * `outcome_recorded` per institution, with the counts and ids) written in the transaction `m`. A unique violation
   * (a record key stored since it was prepared) is left as it is: prepare the rows again.
   */
  async writeImportBatch(m: EntityManager, batch: PreparedImportBatch): Promise<ImportRowOutcome[]> {
    const { outcomes, credentials, actor, importJobId } = batch
    if (!outcomes.length) return [...batch.results]
    await new OutcomeStore(m).insert(outcomes)
    if (credentials) await this.issuer.storeSigned(m, credentials)
    const audit: AuditEntry[] = []
    for (const [institutionId, rows] of batch.rowsOf) {
      const mine = outcomes.filter((o) => o.institutionId === institutionId)
      if (!mine.length) continue
      const recognized = mine.filter((o) => o.state === 'recognized').map((o) => o.id)
      const toReview = mine.filter((o) => o.state === 'pending').map((o) => o.id)
      audit.push({
        at: this.clock(),
        actor,
        action: 'outcome_recorded',
        subject: { type: 'institution', id: institutionId },
        after: {
          source: 'import',
          importJobId,
          rows,
          imported: recognized.length,
          toReview: toReview.length,
          recognized,
          pending: toReview,
        },
      })
    }
    await recordMany(m, audit)
    return [...batch.results]
  }

  /** Everything a batch needs, read once, and every row checked against it: nothing is written yet. */
  private async batchContext(rows: readonly ImportedOutcome[]): Promise<BatchContext> {
    // All asked at once: an import prepares a batch while the chunk before it is written, and on SQLite each read waits
    // its turn behind that chunk's statements.
    const orNone = <T>(read: Promise<T>): Promise<T | undefined> =>
      read.catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'not_found') return undefined
        throw err
      })
    const entryIds = [...new Set(rows.map((r) => r.catalogueEntryId))]
    const institutionIds = [...new Set(rows.map((r) => r.institutionId))]
    const [found, members] = await Promise.all([
      Promise.all(entryIds.map((id) => orNone(this.catalogue.get(id)))),
      Promise.all(institutionIds.map((id) => Promise.all([orNone(this.alliance.get(id)), orNone(this.alliance.scopes(id))]))),
    ])
    const entries = new Map<string, CatalogueEntryRecord>()
    found.forEach((entry, i) => entry && entries.set(entryIds[i]!, entry))
    const institutions = new Map<string, InstitutionRecord>()
    const scopes = new Map<string, AccreditationScopeRecord[]>()
    const issues: Issue[] = []
    const today = chinaToday(this.clock())
    members.forEach(([institution, scopesOf], i) => {
      const id = institutionIds[i]!
      if (!institution)
        return void issues.push({
          path: `/${rows.findIndex((r) => r.institutionId === id)}/institutionId`,
          message: `no such institution: ${id}`,
        })
      institutions.set(id, institution)
      scopes.set(id, scopesOf ?? [])
    })
    rows.forEach((r, i) => {
      const at = (member: string, message: string) => issues.push({ path: `/${i}/${member}`, message })
      const entry = entries.get(r.catalogueEntryId)
      if (blank(r.recordKey) || r.recordKey.length > 200) at('recordKey', 'must be 1 to 200 characters')
      if (!entry) at('catalogueEntryId', `no such catalogue entry: ${r.catalogueEntryId}`)
      else if (entry.institutionId !== r.institutionId) at('catalogueEntryId', `the catalogue entry belongs to another institution`)
      if (!hasTwoDecimalsAtMost(r.creditsEarned) || r.creditsEarned < 0) at('creditsEarned', 'must be 0 or more, with at most two decimals')
      else if (entry && Math.round(r.creditsEarned * 100) > entry.creditsCenti)
        at('creditsEarned', `must be at most the entry's ${entry.creditsCenti / 100} credits`)
      this.checkLearner(r.learner, `/${i}/learner`, issues)
      for (const member of ['awardedDate', 'activityStartDate', 'activityEndDate'] as const) {
        const d = r[member]
        if ((member === 'awardedDate' || d !== undefined) && !isIsoDate(String(d))) at(member, 'must be a date (YYYY-MM-DD)')
        else if (d !== undefined && d > today) at(member, 'must not be in the future')
      }
      if (r.result !== undefined && r.result.length > 100) at('result', 'must be at most 100 characters')
      if (r.term !== undefined && r.term.length > 64) at('term', 'must be at most 64 characters')
    })
    if (issues.length) throw invalid(issues)
    return { entries, institutions, scopes }
  }

  private checkLearner(learner: OutcomeLearner | undefined, path: string, issues: Issue[]): void {
    if (!learner || typeof learner.idHash !== 'string' || !/^[0-9a-f]{64}$/.test(learner.idHash))
      issues.push({ path: `${path}/idHash`, message: 'must be the keyed hash of the resident identity number (64 hex characters)' })
    const o = learner?.identityObject
    if (!o || o.type !== 'IdentityObject' || o.hashed !== true || !/^sha(256|384|512)\$[0-9a-fA-F]{64,128}$/.test(String(o.identityHash)))
      issues.push({ path: `${path}/identityObject`, message: 'must be a hashed IdentityObject (residentIdIdentityObject)' })
  }

  /**
   * A learner's deposit enters the queue as a pending outcome, in the caller's transaction `m` (the deposits capability
   * stores the deposit and its evidence in it). `already_exists` when the deposit already has its outcome.
   */
  async submitDeposit(m: EntityManager, deposit: DepositedOutcome, actor: AuditActor): Promise<{ outcomeId: string }> {
    const issues: Issue[] = []
    if (blank(deposit.depositId) || deposit.depositId.length > 64)
      issues.push({ path: '/depositId', message: 'must be 1 to 64 characters' })
    this.checkLearner(deposit.learner, '/learner', issues)
    if (!isIsoDate(String(deposit.awardedDate))) issues.push({ path: '/awardedDate', message: 'must be a date (YYYY-MM-DD)' })
    else if (deposit.awardedDate > chinaToday(this.clock())) issues.push({ path: '/awardedDate', message: 'must not be in the future' })
    if (deposit.result !== undefined && deposit.result.length > 100)
      issues.push({ path: '/result', message: 'must be at most 100 characters' })
    let entry: CatalogueEntryRecord | undefined
    if ((deposit.catalogueEntryId === undefined) === (deposit.claim === undefined))
      issues.push({ path: '/catalogueEntryId', message: 'give either a catalogue entry or a claim, not both or neither' })
    else if (deposit.catalogueEntryId !== undefined) {
      entry = await this.catalogue.get(deposit.catalogueEntryId).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'not_found') return undefined
        throw err
      })
      if (!entry) issues.push({ path: '/catalogueEntryId', message: `no such catalogue entry: ${deposit.catalogueEntryId}` })
    } else await this.checkClaim(deposit.claim!, issues)
    if (issues.length) throw invalid(issues)
    const store = new OutcomeStore(m)
    const existing = await store.findByDeposit(deposit.depositId)
    if (existing) throw new AppError('already_exists', `deposit ${deposit.depositId} already has its outcome ${existing.id}`)
    const now = this.clock().toISOString()
    const outcome: OutcomeRecord = {
      id: newRowId(),
      source: 'deposit',
      institutionId: entry?.institutionId ?? null,
      recordKey: null,
      importJobId: null,
      depositId: deposit.depositId,
      idHash: deposit.learner.idHash,
      identityObject: deposit.learner.identityObject,
      catalogueEntryId: entry?.id ?? null,
      claim: deposit.claim ?? null,
      creditsCenti: entry ? entry.creditsCenti : Math.round(deposit.claim!.credits * 100),
      result: deposit.result ?? null,
      awardedDate: deposit.awardedDate,
      term: null,
      activityStartDate: null,
      activityEndDate: null,
      state: 'pending',
      reasonZh: null,
      reasonEn: null,
      referredBy: null,
      referredAt: null,
      decidedBy: null,
      decidedAt: null,
      credentialId: null,
      createdAt: now,
      updatedAt: now,
    }
    await store.insert([outcome])
    await record(m, {
      at: this.clock(),
      actor,
      action: 'outcome_recorded',
      subject: { type: 'learning_outcome', id: outcome.id },
      after: auditState(outcome),
    })
    return { outcomeId: outcome.id }
  }

  private async checkClaim(claim: OutcomeClaim, issues: Issue[]): Promise<void> {
    const at = (member: string, message: string) => issues.push({ path: `/claim/${member}`, message })
    if (blank(claim.name?.zh) || blank(claim.name?.en)) at('name', 'needs a Chinese and an English name')
    if (blank(claim.issuerName)) at('issuerName', 'must not be blank')
    if (claim.category !== 'academic' && claim.category !== 'non_academic') at('category', 'must be academic or non_academic')
    if (blank(claim.field)) at('field', 'must not be blank')
    if (!hasTwoDecimalsAtMost(claim.credits) || claim.credits < 0 || claim.credits > 999)
      at('credits', 'must be 0 to 999, with at most two decimals')
    if (!Number.isInteger(claim.level) || !(await this.levels.hasLevels([claim.level])).length)
      at('level', `no such framework level: ${claim.level}`)
  }

  /** Withdraws a pending or referred deposit outcome (the deposits capability checked ownership), in `m`. */
  async withdraw(m: EntityManager, outcomeId: string, actor: AuditActor): Promise<void> {
    const store = new OutcomeStore(m)
    const outcome = await store.find(outcomeId, { lock: true })
    if (!outcome || outcome.source !== 'deposit') throw new AppError('not_found', `no deposited outcome ${outcomeId}`)
    if (outcome.state !== 'pending' && outcome.state !== 'referred')
      throw new AppError('outcome_already_decided', `outcome ${outcomeId} is ${outcome.state}; only a pending one can be withdrawn`)
    const now = this.clock().toISOString()
    await store.update(outcomeId, {
      state: 'withdrawn',
      reasonZh: null,
      reasonEn: null,
      decidedBy: actorRef(actor),
      decidedAt: now,
      updatedAt: now,
    })
    await record(m, {
      at: this.clock(),
      actor,
      action: 'outcome_withdrawn',
      subject: { type: 'learning_outcome', id: outcomeId },
      before: { state: outcome.state },
      after: { state: 'withdrawn' },
    })
  }

  /**
   * A reviewer's decision on a pending outcome: approve (its credential is signed in this transaction), reject (a
   * reason is required), or refer it to the expert committee. Two decisions at once: one wins, the other is
   * `outcome_already_decided` (409).
   */
  decide(outcomeId: string, decision: ReviewerDecision, reason: ReasonInput | undefined, actor: AuditActor): Promise<OutcomeView> {
    return this.settle(outcomeId, 'pending', decision, reason, actor)
  }

  /** The expert committee's decision on a referred outcome: approve or reject (with a reason). */
  expertDecide(outcomeId: string, decision: ExpertDecision, reason: ReasonInput | undefined, actor: AuditActor): Promise<OutcomeView> {
    return this.settle(outcomeId, 'referred', decision, reason, actor)
  }

  private async settle(
    outcomeId: string,
    queue: 'pending' | 'referred',
    decision: ReviewerDecision,
    reasonInput: ReasonInput | undefined,
    actor: AuditActor,
  ): Promise<OutcomeView> {
    const reason = normalizeReason(reasonInput)
    if (decision === 'reject' && reason.zh === null && reason.en === null)
      throw new AppError('reason_required', 'a rejection needs a reason the learner can read (reason: {zh, en} or a text)')
    const seen = await new OutcomeStore(this.ds).find(outcomeId)
    if (!seen) throw new AppError('not_found', `no such outcome: ${outcomeId}`)
    assertInQueue(seen, queue)
    // What the credential is about, read before the transaction (catalogue entries and institutions change rarely).
    const source = decision === 'approve' ? await this.achievementSource(seen) : undefined
    const settled = await transaction(this.ds, async (m) => {
      const store = new OutcomeStore(m)
      const outcome = (await store.find(outcomeId, { lock: true }))!
      assertInQueue(outcome, queue)
      const now = this.clock().toISOString()
      let next: OutcomeRecord
      if (decision === 'refer') {
        next = {
          ...outcome,
          state: 'referred',
          reasonZh: reason.zh,
          reasonEn: reason.en,
          referredBy: actorRef(actor),
          referredAt: now,
          updatedAt: now,
        }
      } else {
        const state = decision === 'approve' ? 'recognized' : 'rejected'
        next = { ...outcome, state, reasonZh: reason.zh, reasonEn: reason.en, decidedBy: actorRef(actor), decidedAt: now, updatedAt: now }
        if (decision === 'approve') {
          next = { ...next, credentialId: newCredentialId() }
          await this.issuer.issueManyIn(m, [{ credential: buildOutcomeCredential(this.bank, next, source!, next.credentialId!) }], null)
        }
      }
      await store.update(outcomeId, {
        state: next.state,
        reasonZh: next.reasonZh,
        reasonEn: next.reasonEn,
        ...(decision === 'refer'
          ? { referredBy: next.referredBy!, referredAt: next.referredAt! }
          : { decidedBy: next.decidedBy!, decidedAt: next.decidedAt! }),
        ...(next.credentialId !== null ? { credentialId: next.credentialId } : {}),
        updatedAt: now,
      })
      await record(m, {
        at: this.clock(),
        actor,
        action: decision === 'approve' ? 'outcome_recognized' : decision === 'reject' ? 'outcome_rejected' : 'outcome_referred',
        subject: { type: 'learning_outcome', id: outcomeId },
        before: { state: outcome.state },
        after: { state: next.state, reason, ...(next.credentialId !== null ? { credentialId: next.credentialId } : {}) },
      })
      return next
    })
    return this.view(settled, source ?? (await this.achievementSource(settled)))
  }

  private async achievementSource(outcome: OutcomeRecord): Promise<OutcomeAchievementSource> {
    if (outcome.catalogueEntryId === null) return { kind: 'claim' }
    const entry = await this.catalogue.get(outcome.catalogueEntryId)
    return { kind: 'catalogue', entry, institution: await this.alliance.get(entry.institutionId) }
  }

  /** Imported outcomes an institution holds in the bank, every state (import summaries: institutionOutcomes). */
  countForInstitution(institutionId: string): Promise<number> {
    return new OutcomeStore(this.ds).countImported(institutionId)
  }

  /** How many outcomes an import job produced, by state (pending: to review). */
  countForImportJob(importJobId: string): Promise<Partial<Record<OutcomeState, number>>> {
    return new OutcomeStore(this.ds).countByJob(importJobId)
  }

  /** The learner's outcomes (by idHash), newest first, with state, reason and credential id. */
  async listForLearner(idHash: string, page: { after?: string; limit: number }): Promise<OutcomePage> {
    const after = this.cursor(page.after)
    const rows = await new OutcomeStore(this.ds).listForLearner(idHash, after, page.limit + 1)
    return this.page(rows, page.limit)
  }

  /**
   * Every outcome of a learner (by idHash) as stored, newest first, without its achievement's names or institution: one
   * query per thousand outcomes and no catalogue look-ups, for use cases that read a learner's whole record at once
   * (the conversion advice answers for 200 outcomes within milliseconds).
   */
  async outcomeFactsForLearner(idHash: string): Promise<OutcomeFacts[]> {
    const store = new OutcomeStore(this.ds)
    const facts: OutcomeFacts[] = []
    let before: OutcomePosition | undefined
    for (;;) {
      const rows = await store.listForLearner(idHash, before, FACTS_PAGE)
      for (const o of rows)
        facts.push({
          id: o.id,
          state: o.state,
          catalogueEntryId: o.catalogueEntryId,
          creditsEarned: o.creditsCenti / 100,
          result: o.result,
          awardedDate: o.awardedDate,
          credentialId: o.credentialId,
        })
      if (rows.length < FACTS_PAGE) return facts
      before = rows.at(-1)!
    }
  }

  /**
   * One of the learner's outcomes (by idHash) with its signed credential once recognized (the VC API form: an
   * EnvelopedVerifiableCredential around the vc+jwt); not_found for an outcome of anyone else.
   */
  async outcomeForLearner(
    idHash: string,
    outcomeId: string,
  ): Promise<OutcomeView & { readonly verifiableCredential: Record<string, unknown> | null }> {
    const outcome = await new OutcomeStore(this.ds).find(outcomeId)
    if (!outcome || outcome.idHash !== idHash) throw new AppError('not_found', `you have no learning outcome ${outcomeId}`)
    const issued = outcome.credentialId === null ? undefined : await this.issuer.findBankIssued(outcome.credentialId)
    return { ...this.view(outcome, await this.achievementSource(outcome)), verifiableCredential: issued?.verifiableCredential ?? null }
  }

  /** The queue a reviewer (pending outcomes) or an expert (referred ones) works, oldest first. */
  async queue(principal: Principal, page: { after?: string; limit: number }): Promise<OutcomePage> {
    const state = queueStateOf(principal)
    if (!state) throw new AppError('forbidden', 'only reviewers and experts work the recognition queue')
    const after = this.cursor(page.after)
    const rows = await new OutcomeStore(this.ds).listInQueue(state, after, page.limit + 1)
    return this.page(rows, page.limit)
  }

  /** One outcome of the caller's queue; not_found when it is not in it (decided, or another role's queue). */
  async queueItem(outcomeId: string, principal: Principal): Promise<OutcomeView> {
    const outcome = await new OutcomeStore(this.ds).find(outcomeId)
    if (!outcome || outcome.state !== queueStateOf(principal)) throw new AppError('not_found', `no outcome ${outcomeId} in your queue`)
    return this.view(outcome, await this.achievementSource(outcome))
  }

  /** Whether the outcome is in the queue a reviewer (pending) or an expert (referred) works now (for evidence access). */
  async inQueueOf(outcomeId: string, principal: Principal): Promise<boolean> {
    const state = queueStateOf(principal)
    if (!state) return false
    const outcome = await new OutcomeStore(this.ds).find(outcomeId)
    return outcome?.state === state
  }

  /** The outcome a deposit produced, if any (for the deposits capability's answers). */
  async outcomeOfDeposit(depositId: string): Promise<OutcomeView | undefined> {
    const outcome = await new OutcomeStore(this.ds).findByDeposit(depositId)
    return outcome && this.view(outcome, await this.achievementSource(outcome))
  }

  private cursor(after: string | undefined): OutcomePosition | undefined {
    if (after === undefined) return undefined
    const [createdAt, id] = decodeCursor(after, '/query/after')
    return { createdAt, id }
  }

  private async page(rows: OutcomeRecord[], limit: number): Promise<OutcomePage> {
    const shown = rows.slice(0, limit)
    const sources = new Map<string, Promise<OutcomeAchievementSource>>()
    const items = await Promise.all(
      shown.map(async (o) => {
        const key = o.catalogueEntryId ?? ''
        let source = o.catalogueEntryId === null ? undefined : sources.get(key)
        if (!source) {
          source = this.achievementSource(o)
          if (o.catalogueEntryId !== null) sources.set(key, source)
        }
        return this.view(o, await source)
      }),
    )
    const last = shown.at(-1)
    return rows.length > limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.id]) } : { items }
  }

  private view(o: OutcomeRecord, source: OutcomeAchievementSource): OutcomeView {
    const achievement =
      source.kind === 'catalogue'
        ? {
            catalogueEntryId: source.entry.id,
            code: source.entry.code,
            name: { zh: source.entry.nameZh, en: source.entry.nameEn },
            issuerName: source.institution.nameZh,
            level: source.entry.level,
            category: source.entry.category,
            field: source.entry.field,
            credits: source.entry.creditsCenti / 100,
          }
        : {
            catalogueEntryId: null,
            code: null,
            name: o.claim!.name,
            issuerName: o.claim!.issuerName,
            level: o.claim!.level,
            category: o.claim!.category,
            field: o.claim!.field,
            credits: o.claim!.credits,
          }
    return {
      id: o.id,
      source: o.source,
      state: o.state,
      institutionId: o.institutionId,
      recordKey: o.recordKey,
      importJobId: o.importJobId,
      depositId: o.depositId,
      achievement,
      creditsEarned: o.creditsCenti / 100,
      result: o.result,
      awardedDate: o.awardedDate,
      term: o.term,
      activityStartDate: o.activityStartDate,
      activityEndDate: o.activityEndDate,
      reason: o.reasonZh === null && o.reasonEn === null ? null : { zh: o.reasonZh, en: o.reasonEn },
      credentialId: o.credentialId,
      createdAt: o.createdAt,
      referredAt: o.referredAt,
      decidedAt: o.decidedAt,
    }
  }
}

/** The queue a principal works: reviewers the pending outcomes, experts the referred ones; nobody else one. */
function queueStateOf(p: Principal): 'pending' | 'referred' | undefined {
  if (p.kind !== 'user') return undefined
  return p.role === 'reviewer' ? 'pending' : p.role === 'expert' ? 'referred' : undefined
}

function assertInQueue(o: OutcomeRecord, queue: 'pending' | 'referred'): void {
  if (o.state === queue) return
  if (queue === 'referred' && o.state === 'pending')
    throw new AppError('outcome_not_in_queue', `outcome ${o.id} was not referred to the expert committee; a reviewer decides it`)
  const now = o.state === 'referred' ? 'referred to the expert committee' : o.state
  throw new AppError('outcome_already_decided', `outcome ${o.id} was already decided: it is ${now}`)
}

/** An outcome's state for the audit trail: what it is and where it stands, never the learner's identity hashes. */
function auditState(o: OutcomeRecord): Record<string, unknown> {
  return {
    source: o.source,
    state: o.state,
    institutionId: o.institutionId,
    depositId: o.depositId,
    catalogueEntryId: o.catalogueEntryId,
    claim: o.claim,
    creditsCenti: o.creditsCenti,
    awardedDate: o.awardedDate,
  }
}
