// Certification reports (学习成果认证报告, issue 8 item 3) as use cases: a learner asks for a report over all or chosen
// recognized outcomes whose credentials stand; the bank signs a CertificationReportCredential under a new report
// number and keeps what its PDF and page show. Anyone holding the number looks it up (a mistyped number is refused by its
// check character before the database is asked); the learner lists theirs; the learner or an admin revokes one (its
// credential's status bit, so verifiers see it); a report over an outcome whose credential was revoked is reissued
// under a new number, the old one revoked.
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import type { Issue } from '../../core/errors.ts'
import { AppError } from '../../core/errors.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import { transaction } from '../../core/store/sql.ts'
import type { Principal } from '../accounts/principal.ts'
import type { InstitutionRecord } from '../alliance/institution-store.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import type { IssuedCredential } from '../credentials/issue-credential.ts'
import type { Caller } from '../credentials/ownership.ts'
import { DEFAULT_BANK_NAME, type Bilingual } from '../recognition/achievement-credential.ts'
import type { OutcomeView, TransactionalIssuer } from '../recognition/recognition.ts'
import type { OutcomePage } from '../recognition/recognition.ts'
import { buildReportCredential, creditTotals, type CoveredOutcome } from './report-credential.ts'
import { newReportNumber, parseReportNumber } from './report-number.ts'
import { renderReportPdf, type ReportLanguage } from './report-pdf.ts'
import { ReportStore, type ReportDetails, type ReportOutcomeLine, type ReportRecord } from './report-store.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

/** The learner's outcomes, through recognition's use case. */
export interface ReportableOutcomes {
  listForLearner(idHash: string, page: { after?: string; limit: number }): Promise<OutcomePage>
}
/** Credential status, through the status capability's use cases. */
export interface ReportCredentialStatus {
  credentialStatuses(ids: readonly string[]): Promise<ReadonlyMap<string, { readonly revoked: boolean; readonly suspended: boolean }>>
  setStatus(credentialId: string, purpose: 'revocation', value: boolean, caller: Caller): Promise<{ changed: boolean }>
}
/** Who the learner is: accounts' verified id hash and their own identity in the clear (name, number). */
export interface ReportLearners {
  verifiedIdHash(userId: string): Promise<string | null>
  revealOwn(userId: string): Promise<{ readonly name: string; readonly idNumber: string; readonly idNumberMasked: string } | null>
}

/** The credit ledger's use case: which of the learner's outcomes its policy caps hold back. */
export interface ReportLedger {
  ledgerOf(idHash: string): Promise<{
    readonly heldBack: readonly {
      readonly entry: { readonly id: string; readonly source: 'outcome' | 'conversion' }
      readonly rule: { readonly name: { readonly zh: string; readonly en: string } }
    }[]
  }>
}

export interface ReportsDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly issuer: TransactionalIssuer
  readonly outcomes: ReportableOutcomes
  readonly statuses: ReportCredentialStatus
  readonly institutions: { get(id: string): Promise<InstitutionRecord> }
  readonly learners: ReportLearners
  /**
   * The credit ledger, when there is one: the report's PDF and page mark a covered outcome its caps hold back and give
   * the credits the ledger counts. The signed totals stay the sum of what the report covers, so a verifier can add them
   * up from the covered credentials it pins.
   */
  readonly ledger?: ReportLedger
  /** The bank's DID, name and public URL (lookup URLs live under it). */
  readonly bank: { readonly did: string; readonly publicUrl: URL; readonly name?: Bilingual }
  /** The verifier service's public URL (the public page hands the report to it). */
  readonly verifierUrl: URL
}

export type ReportStatus = 'valid' | 'revoked'

/** A report as its learner and the public lookup see it. */
export interface ReportView {
  readonly number: string
  readonly status: ReportStatus
  readonly createdAt: string
  readonly revokedAt: string | null
  /** The report that reissued this one. */
  readonly replacedBy: string | null
  readonly credentialId: string
  readonly outcomeIds: readonly string[]
  readonly totals: ReportDetails['totals']
  readonly lookupUrl: string
  readonly pdfUrl: { readonly zh: string; readonly en: string }
}

/** What the public lookup answers: the report, what it shows, and the signed credential (VC API form). */
export interface ReportLookup {
  readonly report: ReportView
  readonly details: ReportDetails
  readonly verifiableCredential: Record<string, unknown>
  /** POST {verifiableCredential} here to check it (the verifier service). */
  readonly verifyUrl: string
}

/** The status capability acts for the bank itself when a report's credential is revoked. */
const BANK_CALLER: Caller = { clientId: 'bank', admin: true }
const PAGE = 100

const actorRef = (a: AuditActor): string => `${a.type}:${a.id}`
const isAdmin = (p: Principal): boolean => (p.kind === 'user' ? p.role === 'admin' : p.scopes.includes('admin'))

/** 400 for a number that is not one (its shape, or its check character), told apart and in both languages. */
export function reportNumberOrThrow(input: string): string {
  const parsed = parseReportNumber(input)
  if (parsed.ok) return parsed.number
  const message =
    parsed.code === 'report_number_mistyped'
      ? '报告编号有误：校验字符不符，请核对是否输错了一个字符或颠倒了相邻两个字符。The report number is mistyped: its check character does not match (one character wrong, or two neighbours swapped).'
      : '报告编号格式有误：应为 CB- 加 16 个字符，如 CB-7K3M-9Q2W-X4RT-8HJN。The report number is malformed: CB- and 16 characters, like CB-7K3M-9Q2W-X4RT-8HJN.'
  throw new AppError(parsed.code, message, { issues: [{ path: '/params/number', message: parsed.code }] })
}

export class Reports {
  private readonly deps: ReportsDeps
  private readonly bankName: Bilingual
  private readonly base: string

  constructor(deps: ReportsDeps) {
    this.deps = deps
    this.bankName = deps.bank.name ?? DEFAULT_BANK_NAME
    this.base = deps.bank.publicUrl.href.replace(/\/$/, '')
  }

  /** The public lookup URL of a report (what its QR code opens). */
  lookupUrl(number: string): string {
    return `${this.base}/reports/${number}`
  }

  /**
   * A new report over the learner's recognized outcomes whose credentials stand: all of them, or `outcomeIds` (each
   * must be theirs — 404 — and recognized with a standing credential — 409 outcome_not_reportable). 403
   * real_name_required before real-name verification; 409 no_reportable_outcomes when nothing would be covered.
   */
  async request(userId: string, outcomeIds: readonly string[] | undefined, actor: AuditActor): Promise<ReportView> {
    const learner = await this.learner(userId)
    const all = await this.allOutcomes(learner.idHash)
    const standing = await this.standing(all)
    let chosen: OutcomeView[]
    if (outcomeIds) {
      const byId = new Map(all.map((o) => [o.id, o]))
      const issues: Issue[] = []
      chosen = []
      for (const [i, id] of [...new Set(outcomeIds)].entries()) {
        const outcome = byId.get(id)
        if (!outcome) throw new AppError('not_found', `you have no learning outcome ${id} (您没有此学习成果)`)
        if (!standing.has(id))
          issues.push({ path: `/body/outcomeIds/${i}`, message: `outcome ${id} is ${outcome.state}, or its credential was revoked` })
        else chosen.push(outcome)
      }
      if (issues.length)
        throw new AppError(
          'outcome_not_reportable',
          '只有已认定且凭证有效的学习成果可以写入报告。Only recognized outcomes whose credentials stand can be reported.',
          { issues },
        )
    } else chosen = all.filter((o) => standing.has(o.id))
    if (!chosen.length)
      throw new AppError(
        'no_reportable_outcomes',
        '您还没有可写入报告的已认定学习成果。You have no recognized learning outcome (with a standing credential) to report.',
      )
    const heldBack = await this.heldBack(learner.idHash)
    return transaction(this.deps.ds, async (m) => {
      const created = await this.issueReport(m, userId, learner, chosen, heldBack)
      await record(m, {
        at: this.deps.clock(),
        actor,
        action: 'certification_report_issued',
        subject: { type: 'certification_report', id: created.number },
        after: {
          credentialId: created.credentialId,
          outcomes: created.outcomeIds.length,
          totalCredits: created.details.totals.totalCredits,
        },
      })
      return this.view(created)
    })
  }

  /** The learner's reports, newest first (none before real-name verification). */
  async listForLearner(userId: string, page: { after?: string; limit: number }): Promise<{ items: ReportView[]; nextCursor?: string }> {
    const idHash = await this.deps.learners.verifiedIdHash(userId)
    if (idHash === null) return { items: [] }
    const key = page.after === undefined ? undefined : decodeCursor(page.after)
    const after = key && { createdAt: key[0], number: key[1] }
    const rows = await new ReportStore(this.deps.ds).listForLearner(idHash, after, page.limit + 1)
    const shown = rows.slice(0, page.limit)
    const last = shown.at(-1)
    const items = shown.map((r) => this.view(r))
    return rows.length > page.limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.number]) } : { items }
  }

  /**
   * Revokes a report: the learner whose it is, or an admin (anyone else: 404, as for a number that does not exist).
   * The report row and its audit entry commit first; then its credential's revocation bit is set (idempotent), so a
   * retry after a crash between the two finishes the job. Revoking a revoked report changes nothing.
   */
  async revoke(numberInput: string, principal: Principal, actor: AuditActor): Promise<ReportView> {
    const number = reportNumberOrThrow(numberInput)
    const admin = isAdmin(principal)
    const idHash = admin || principal.kind !== 'user' ? null : await this.deps.learners.verifiedIdHash(principal.id)
    return this.view(await this.revokeNumber(number, actor, (r) => admin || (idHash !== null && r.idHash === idHash)))
  }

  /** Revokes `number` if `mayRevoke` says the caller may (404 otherwise): the row and audit entry, then the status bit. */
  private async revokeNumber(number: string, actor: AuditActor, mayRevoke: (r: ReportRecord) => boolean): Promise<ReportRecord> {
    const revoked = await transaction(this.deps.ds, async (m) => {
      const store = new ReportStore(m)
      const report = await store.find(number, { lock: true })
      if (!report || !mayRevoke(report)) throw new AppError('not_found', `you have no report ${number} (没有此报告)`)
      if (report.revokedAt !== null) return report
      const at = this.deps.clock().toISOString()
      await store.markRevoked(number, at, actorRef(actor), null)
      await record(m, {
        at: this.deps.clock(),
        actor,
        action: 'certification_report_revoked',
        subject: { type: 'certification_report', id: number },
        before: { revokedAt: null },
        after: { revokedAt: at, credentialId: report.credentialId },
      })
      return { ...report, revokedAt: at, revokedBy: actorRef(actor) }
    })
    await this.deps.statuses.setStatus(revoked.credentialId, 'revocation', true, BANK_CALLER)
    return revoked
  }

  /**
   * Reissues a report of the learner's one of whose covered credentials was revoked since: a new number over the
   * covered outcomes that still stand, the old report revoked and pointing to the new one. 409 report_up_to_date when
   * every covered credential stands, report_revoked when the report was revoked already, no_reportable_outcomes when
   * nothing covered stands any more.
   */
  async reissue(numberInput: string, userId: string, actor: AuditActor): Promise<ReportView> {
    const number = reportNumberOrThrow(numberInput)
    const learner = await this.learner(userId)
    const report = await new ReportStore(this.deps.ds).find(number)
    if (!report || report.idHash !== learner.idHash) throw new AppError('not_found', `you have no report ${number} (没有此报告)`)
    if (report.revokedAt !== null)
      throw new AppError(
        'report_revoked',
        `报告 ${number} 已撤销，不能重新出具。Report ${number} was revoked; ask for a new report instead.`,
      )
    const statuses = await this.deps.statuses.credentialStatuses(report.coveredCredentialIds)
    const stands = (id: string): boolean => {
      const s = statuses.get(id)
      return s !== undefined && !s.revoked && !s.suspended
    }
    if (report.coveredCredentialIds.every(stands))
      throw new AppError(
        'report_up_to_date',
        `报告 ${number} 覆盖的凭证均有效，无需重新出具。Every credential report ${number} covers still stands: nothing to reissue.`,
      )
    const all = await this.allOutcomes(learner.idHash)
    const standing = await this.standing(all)
    const chosen = all.filter((o) => report.outcomeIds.includes(o.id) && standing.has(o.id))
    if (!chosen.length)
      throw new AppError('no_reportable_outcomes', '该报告覆盖的学习成果均已失效。No outcome the report covers still stands.')
    const heldBack = await this.heldBack(learner.idHash)
    const created = await transaction(this.deps.ds, async (m) => {
      const store = new ReportStore(m)
      const old = await store.find(number, { lock: true })
      if (!old || old.revokedAt !== null) throw new AppError('report_revoked', `report ${number} was revoked meanwhile`)
      const fresh = await this.issueReport(m, userId, learner, chosen, heldBack)
      const at = this.deps.clock().toISOString()
      await store.markRevoked(number, at, actorRef(actor), fresh.number)
      await record(m, {
        at: this.deps.clock(),
        actor,
        action: 'certification_report_reissued',
        subject: { type: 'certification_report', id: number },
        before: { revokedAt: null },
        after: { revokedAt: at, replacedBy: fresh.number, credentialId: fresh.credentialId, outcomes: fresh.outcomeIds.length },
      })
      return fresh
    })
    await this.deps.statuses.setStatus(report.credentialId, 'revocation', true, BANK_CALLER)
    return this.view(created)
  }

  /** The public lookup: 400 for a mistyped or malformed number (no database asked), 404 for one never issued. */
  async lookup(numberInput: string): Promise<ReportLookup> {
    const report = await this.find(numberInput)
    const issued = await this.deps.issuer.findBankIssued(report.credentialId)
    if (!issued) throw new Error(`report ${report.number} has no stored credential ${report.credentialId}`)
    return {
      report: this.view(report),
      details: report.details,
      verifiableCredential: issued.verifiableCredential,
      verifyUrl: new URL('credentials/verify', this.deps.verifierUrl.href.replace(/\/?$/, '/')).href,
    }
  }

  /** The report's PDF (A4) in Chinese or English, with a QR code of its lookup URL. */
  async pdf(numberInput: string, lang: ReportLanguage): Promise<{ number: string; pdf: Buffer }> {
    const report = await this.find(numberInput)
    const view = this.view(report)
    return {
      number: report.number,
      pdf: await renderReportPdf(
        { number: report.number, details: report.details, lookupUrl: view.lookupUrl, status: view.status, issuedAt: report.createdAt },
        lang,
      ),
    }
  }

  /** The learner's reports with what they show (their data export), by account. */
  async exportFor(userId: string): Promise<readonly { readonly report: ReportView; readonly details: ReportDetails }[]> {
    return (await new ReportStore(this.deps.ds).listForUser(userId)).map((r) => ({ report: this.view(r), details: r.details }))
  }

  /**
   * Closing an account, before its transaction: every valid report of the account is revoked (its credential's status
   * bit, so verifiers holding it see it). Idempotent. Returns how many were revoked now.
   */
  async revokeAllFor(userId: string, actor: AuditActor): Promise<number> {
    let revoked = 0
    for (const r of await new ReportStore(this.deps.ds).listForUser(userId)) {
      if (r.revokedAt === null) revoked++
      await this.revokeNumber(r.number, actor, (x) => x.userId === userId)
    }
    return revoked
  }

  /**
   * Closing an account, in its transaction `m`: the learner's name and masked number are erased from what each report
   * shows, and the public lookup no longer finds the report (404). The signed credentials stay, revoked, as the notice says.
   */
  async eraseForUser(m: EntityManager, userId: string, actor: AuditActor): Promise<number> {
    const store = new ReportStore(m)
    const reports = (await store.listForUser(userId)).filter((r) => r.details.erasedAt === undefined)
    const at = this.deps.clock().toISOString()
    for (const r of reports) await store.setDetails(r.number, { ...r.details, learnerName: '', idNumberMasked: '', erasedAt: at })
    if (reports.length)
      await record(m, {
        at: this.deps.clock(),
        actor,
        action: 'certification_reports_erased',
        subject: { type: 'user', id: userId },
        after: { reports: reports.map((r) => r.number) },
      })
    return reports.length
  }

  private async find(numberInput: string): Promise<ReportRecord> {
    const number = reportNumberOrThrow(numberInput)
    const report = await new ReportStore(this.deps.ds).find(number)
    if (!report || report.details.erasedAt !== undefined)
      throw new AppError('not_found', `没有编号为 ${number} 的报告。No report has the number ${number}.`)
    return report
  }

  private async learner(userId: string): Promise<{ idHash: string; name: string; idNumber: string; idNumberMasked: string }> {
    const idHash = await this.deps.learners.verifiedIdHash(userId)
    const revealed = idHash === null ? null : await this.deps.learners.revealOwn(userId)
    if (idHash === null || !revealed)
      throw new AppError(
        'real_name_required',
        '请先完成实名认证：报告以您的身份出具。Pass real-name verification first: a report is issued in your name.',
      )
    return { idHash, ...revealed }
  }

  private async allOutcomes(idHash: string): Promise<OutcomeView[]> {
    const out: OutcomeView[] = []
    let after: string | undefined
    do {
      const page = await this.deps.outcomes.listForLearner(idHash, { limit: PAGE, ...(after ? { after } : {}) })
      out.push(...page.items)
      after = page.nextCursor
    } while (after)
    return out
  }

  /** The ids of the recognized outcomes whose credentials are neither revoked nor suspended. */
  private async standing(outcomes: readonly OutcomeView[]): Promise<Set<string>> {
    const recognized = outcomes.filter((o) => o.state === 'recognized' && o.credentialId !== null)
    const statuses = await this.deps.statuses.credentialStatuses(recognized.map((o) => o.credentialId!))
    return new Set(
      recognized
        .filter((o) => {
          const s = statuses.get(o.credentialId!)
          return s !== undefined && !s.revoked && !s.suspended
        })
        .map((o) => o.id),
    )
  }

  /** The outcomes the credit ledger's caps hold back, by outcome id, with the rule's name (none without a ledger). */
  private async heldBack(idHash: string): Promise<ReadonlyMap<string, Bilingual> | undefined> {
    if (!this.deps.ledger) return undefined
    const ledger = await this.deps.ledger.ledgerOf(idHash)
    return new Map(ledger.heldBack.filter((h) => h.entry.source === 'outcome').map((h) => [h.entry.id, h.rule.name]))
  }

  /** Signs and stores a report over `chosen`, in `m`; newest awarded first on the PDF. */
  private async issueReport(
    m: Parameters<TransactionalIssuer['issueManyIn']>[0],
    userId: string,
    learner: { idHash: string; name: string; idNumber: string; idNumberMasked: string },
    chosen: readonly OutcomeView[],
    heldBack: ReadonlyMap<string, Bilingual> | undefined,
  ): Promise<ReportRecord> {
    const sorted = [...chosen].sort((a, b) =>
      a.awardedDate === b.awardedDate ? a.id.localeCompare(b.id) : b.awardedDate.localeCompare(a.awardedDate),
    )
    const institutions = new Map<string, Promise<InstitutionRecord>>()
    const covered: CoveredOutcome[] = []
    for (const o of sorted) {
      const issued: IssuedCredential | undefined = await this.deps.issuer.findBankIssued(o.credentialId!)
      if (!issued) throw new Error(`outcome ${o.id} names credential ${o.credentialId} the bank did not issue`)
      let institution = { zh: o.achievement.issuerName ?? '', en: o.achievement.issuerName ?? '' }
      if (o.institutionId !== null) {
        let found = institutions.get(o.institutionId)
        if (!found) institutions.set(o.institutionId, (found = this.deps.institutions.get(o.institutionId)))
        const record = await found
        institution = { zh: record.nameZh, en: record.nameEn }
      }
      covered.push({
        line: {
          outcomeId: o.id,
          credentialId: o.credentialId!,
          name: o.achievement.name,
          institution,
          level: o.achievement.level,
          category: o.achievement.category,
          credits: o.creditsEarned,
          awardedDate: o.awardedDate,
          ...(heldBack?.has(o.id) ? { heldBackBy: heldBack.get(o.id)! } : {}),
        },
        document: issued.document,
        format: issued.format,
      })
    }
    const lines: ReportOutcomeLine[] = covered.map((c) => c.line)
    const totals = creditTotals(lines)
    const parsed = parseResidentId(learner.idNumber, this.deps.clock)
    if (!parsed.ok) throw new Error(`the verified identity of account ${userId} does not parse: ${parsed.code}`)
    const number = newReportNumber()
    const credentialId = this.lookupUrl(number)
    const credential = buildReportCredential({
      credentialId,
      bank: { did: this.deps.bank.did, name: this.bankName },
      number,
      identityObject: residentIdIdentityObject(parsed.id),
      learnerName: learner.name,
      covered,
      totals,
    })
    await this.deps.issuer.issueManyIn(m, [{ credential }], null)
    const created: ReportRecord = {
      number,
      idHash: learner.idHash,
      userId,
      credentialId,
      outcomeIds: lines.map((l) => l.outcomeId),
      coveredCredentialIds: lines.map((l) => l.credentialId),
      details: {
        learnerName: learner.name,
        idNumberMasked: learner.idNumberMasked,
        bankName: this.bankName,
        outcomes: lines,
        totals,
        ...(heldBack ? { ledgerCredits: creditTotals(lines.filter((l) => !l.heldBackBy)).totalCredits } : {}),
      },
      createdAt: this.deps.clock().toISOString(),
      revokedAt: null,
      revokedBy: null,
      replacedBy: null,
    }
    await new ReportStore(m).insert(created)
    return created
  }

  private view(r: ReportRecord): ReportView {
    const lookupUrl = this.lookupUrl(r.number)
    return {
      number: r.number,
      status: r.revokedAt === null ? 'valid' : 'revoked',
      createdAt: r.createdAt,
      revokedAt: r.revokedAt,
      replacedBy: r.replacedBy,
      credentialId: r.credentialId,
      outcomeIds: r.outcomeIds,
      totals: r.details.totals,
      lookupUrl,
      pdfUrl: { zh: `${lookupUrl}?format=pdf&lang=zh`, en: `${lookupUrl}?format=pdf&lang=en` },
    }
  }
}
