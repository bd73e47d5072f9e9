// Individual deposits (个人存入): a real-name verified learner submits a learning outcome with evidence files (PDF, JPEG,
// PNG, typed by their content); it enters the recognition queue as a pending outcome in the same transaction as the
// deposit's row. The learner follows its status, reads the reason, and may withdraw it while it waits. Evidence is served
// to the learner and to the reviewers and experts whose queue holds the outcome, and every read by them is audited.
import { randomUUID } from 'node:crypto'
import type { ReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import { parseResidentId, type ResidentId } from '../../core/identity/resident-id.ts'
import { transaction } from '../../core/store/sql.ts'
import type { Principal } from '../accounts/principal.ts'
import type { OutcomeView, Recognition } from '../recognition/recognition.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import { DepositStore, type DepositPosition, type DepositRecord, type DepositSubmission, type EvidenceRecord } from './deposit-store.ts'
import { EvidenceStore, sanitizeFileName, typeOfName, type EvidenceMediaType } from './evidence-store.ts'
import type { UploadedEvidence, UploadLimits } from './receive-upload.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

/** Where a deposit stands: its outcome's state in recognition. */
export type DepositStatus = OutcomeView['state']

/** Recognition's use cases, as deposits call them (node.recognition). */
export type DepositRecognition = Pick<Recognition, 'submitDeposit' | 'withdraw' | 'inQueueOf' | 'outcomeOfDeposit'>

/** A learner's verified identity (real-name verification), as the accounts capability gives it. */
export interface LearnerIdentities {
  /** The verified learner's idHash and resident identity number; null while they are not verified. */
  identityOf(userId: string): Promise<{ readonly idHash: string; readonly residentId: ResidentId } | null>
}

/**
 * The learner identities deposits need, from the accounts capability's use cases: the verified idHash
 * (Accounts.verifiedIdHash) and the number itself (LearnerIdentity.revealOwn, the learner's own data), parsed again into
 * a ResidentId so only the identity object's hash of it leaves this function.
 */
export function learnerIdentitiesFrom(deps: {
  readonly accounts: { verifiedIdHash(userId: string): Promise<string | null> }
  readonly identity: { revealOwn(userId: string): Promise<{ readonly idNumber: string } | null> }
  readonly clock: Clock
}): LearnerIdentities {
  return {
    async identityOf(userId) {
      const idHash = await deps.accounts.verifiedIdHash(userId)
      if (!idHash) return null
      const revealed = await deps.identity.revealOwn(userId)
      if (!revealed) return null
      const parsed = parseResidentId(revealed.idNumber, deps.clock)
      if (!parsed.ok) throw new Error(`the verified identity of account ${userId} does not parse: ${parsed.code}`)
      return { idHash, residentId: parsed.id }
    },
  }
}

export interface DepositsDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly recognition: DepositRecognition
  readonly identities: LearnerIdentities
  /** Evidence lives under <dataDir>/evidence. */
  readonly dataDir: string
  /** Evidence links are made under it (the issuer's public URL). */
  readonly publicUrl: URL
  readonly limits: UploadLimits
}

/** One evidence file as learners and reviewers see it. */
export interface EvidenceView {
  readonly sha256: string
  readonly mediaType: EvidenceMediaType
  readonly size: number
  readonly name: string
  /** GET it here (the learner; reviewers and experts while the outcome is in their queue). */
  readonly href: string
}

export interface DepositView {
  readonly id: string
  readonly status: DepositStatus
  readonly outcomeId: string
  readonly achievement: OutcomeView['achievement']
  readonly result: string | null
  readonly awardedDate: string
  /** The reviewer's or expert's reason (zh/en), when they gave one. */
  readonly reason: { readonly zh: string | null; readonly en: string | null } | null
  /** The AchievementCredential's id once recognized. */
  readonly credentialId: string | null
  readonly evidence: readonly EvidenceView[]
  readonly createdAt: string
  readonly referredAt: string | null
  readonly decidedAt: string | null
  readonly withdrawnAt: string | null
}

export interface DepositPage {
  readonly items: DepositView[]
  readonly nextCursor?: string
}

/** An evidence file opened for reading, with what to send it as. */
export interface OpenedEvidence {
  readonly evidence: EvidenceRecord
  readonly stream: ReadStream
  readonly size: number
}

export const DEFAULT_EVIDENCE_LIMITS: UploadLimits = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 }

const encodeDepositCursor = (p: DepositPosition): string => encodeCursor([p.createdAt, p.id])

function decodeDepositCursor(cursor: string): DepositPosition {
  const [createdAt, id] = decodeCursor(cursor)
  return { createdAt, id }
}

const notYours = (id: string) => new AppError('not_found', `no deposit ${id} of yours (未找到该存入记录)`)

const notVerified = () =>
  new AppError(
    'real_name_required',
    'complete real-name verification (实名认证) before depositing: an outcome belongs to a verified person',
  )

export class Deposits {
  readonly evidenceStore: EvidenceStore
  readonly limits: UploadLimits
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly recognition: DepositRecognition
  private readonly identities: LearnerIdentities
  private readonly base: URL

  constructor(deps: DepositsDeps) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.recognition = deps.recognition
    this.identities = deps.identities
    this.evidenceStore = new EvidenceStore(deps.dataDir)
    this.limits = deps.limits
    this.base = new URL(deps.publicUrl.href.endsWith('/') ? deps.publicUrl.href : `${deps.publicUrl.href}/`)
  }

  /**
   * A learner's deposit: its evidence checked (type from the content, agreeing with the name and declared type), the
   * learner real-name verified, then the outcome recorded in the queue and the deposit and evidence rows written in ONE
   * transaction, audited there. The files take their content-addressed places after the commit. Any refusal removes the
   * temporary files: nothing of a refused deposit is kept.
   */
  async create(userId: string, submission: DepositSubmission, files: readonly UploadedEvidence[], actor: AuditActor): Promise<DepositView> {
    let evidence: EvidenceRecord[]
    const id = randomUUID()
    const now = this.clock().toISOString()
    try {
      evidence = this.checkFiles(id, files, now)
      const identity = await this.identities.identityOf(userId)
      if (!identity) throw notVerified()
      const learner = { idHash: identity.idHash, identityObject: residentIdIdentityObject(identity.residentId) }
      await transaction(this.ds, async (m) => {
        const { outcomeId } = await this.recognition.submitDeposit(m, { depositId: id, learner, ...submission }, actor)
        await new DepositStore(m).insert({ id, userId, outcomeId, submission, createdAt: now, withdrawnAt: null }, evidence)
        await record(m, {
          at: this.clock(),
          actor,
          action: 'deposit_created',
          subject: { type: 'deposit', id },
          after: { outcomeId, evidence: evidence.map((e) => ({ sha256: e.sha256, mediaType: e.mediaType, size: e.size })) },
        })
      })
    } catch (err) {
      await this.evidenceStore.discard(files)
      throw err
    }
    // Placed after the commit; a file sent twice in one deposit is kept once.
    const placed = new Set<string>()
    for (const f of files) {
      if (placed.has(f.sha256)) await this.evidenceStore.discard([f])
      else await this.evidenceStore.commit(f)
      placed.add(f.sha256)
    }
    return this.get(id, userId)
  }

  /**
   * The same deposit from files in memory (the demo data, scripts): each goes through the evidence store's stream and
   * every check `create` makes, as an upload's parts do.
   */
  async submit(
    userId: string,
    submission: DepositSubmission,
    files: readonly { readonly name: string; readonly bytes: Uint8Array; readonly type?: string }[],
    actor: AuditActor,
  ): Promise<DepositView> {
    const received: UploadedEvidence[] = []
    try {
      for (const f of files)
        received.push({
          ...(await this.evidenceStore.receive(Readable.from([Buffer.from(f.bytes)]))),
          fileName: f.name,
          declaredType: f.type ?? '',
        })
    } catch (err) {
      await this.evidenceStore.discard(received)
      throw err
    }
    return this.create(userId, submission, received, actor)
  }

  /** Refuses a learner who is not real-name verified (403 real_name_required), before their upload is read. */
  async requireVerified(userId: string): Promise<void> {
    if (!(await this.identities.identityOf(userId))) throw notVerified()
  }

  /** The rules every file must pass, in the order sent; the evidence rows they become (one per distinct content). */
  private checkFiles(depositId: string, files: readonly UploadedEvidence[], now: string): EvidenceRecord[] {
    if (!files.length)
      throw new AppError('invalid_request', 'a deposit needs at least one evidence file (PDF, JPEG or PNG) (请上传证明材料)', {
        issues: [{ path: '/evidence', message: 'at least one file is required' }],
      })
    if (files.length > this.limits.maxFiles)
      throw new AppError('payload_too_large', `a deposit may carry at most ${this.limits.maxFiles} evidence files`)
    const rows: EvidenceRecord[] = []
    files.forEach((f, i) => {
      const shown = JSON.stringify(sanitizeFileName(f.fileName, f.sniffedType ?? 'application/pdf'))
      if (f.truncated || f.size > this.limits.maxFileBytes)
        throw new AppError(
          'payload_too_large',
          `evidence file ${shown} is larger than ${this.limits.maxFileBytes} bytes (证明材料文件过大)`,
        )
      const actual = f.sniffedType
      if (!actual)
        throw new AppError(
          'evidence_type_unsupported',
          `evidence file ${shown} is not a PDF, JPEG or PNG file by its content (证明材料仅限 PDF、JPEG、PNG 文件)`,
          { issues: [{ path: `/evidence/${i}`, message: 'content is not PDF, JPEG or PNG' }] },
        )
      const byName = typeOfName(f.fileName)
      const declared = f.declaredType.split(';')[0]!.trim()
      const declaredOk = declared === '' || declared === 'application/octet-stream' || declared === actual
      if ((byName !== undefined && byName !== actual) || !declaredOk)
        throw new AppError(
          'evidence_type_mismatch',
          `evidence file ${shown} is a ${actual} file by its content, but its ${byName !== undefined && byName !== actual ? 'name' : 'declared type'} says otherwise; send it under its real type (文件内容与文件名或类型不符)`,
          { issues: [{ path: `/evidence/${i}`, message: `content is ${actual}` }] },
        )
      if (rows.some((r) => r.sha256 === f.sha256)) return
      rows.push({
        depositId,
        sha256: f.sha256,
        mediaType: actual,
        size: f.size,
        originalName: sanitizeFileName(f.fileName, actual),
        position: rows.length,
        createdAt: now,
      })
    })
    return rows
  }

  /** One of the learner's deposits with its status from recognition; another learner's is not found. */
  async get(id: string, userId: string): Promise<DepositView> {
    const deposit = await new DepositStore(this.ds).find(id)
    if (!deposit || deposit.userId !== userId) throw notYours(id)
    const [view] = await this.views([deposit])
    return view!
  }

  /** The learner's deposits, newest first. */
  async list(userId: string, page: { cursor?: string; limit: number }): Promise<DepositPage> {
    const after = page.cursor === undefined ? undefined : decodeDepositCursor(page.cursor)
    const rows = await new DepositStore(this.ds).listForUser(userId, after, page.limit + 1)
    const shown = rows.slice(0, page.limit)
    const items = await this.views(shown)
    const last = shown.at(-1)
    return rows.length > page.limit && last ? { items, nextCursor: encodeDepositCursor(last) } : { items }
  }

  /** Every deposit of a user with its evidence (list, not content): the PIPL export. */
  async listForUser(userId: string): Promise<DepositView[]> {
    const all: DepositView[] = []
    let cursor: string | undefined
    do {
      const page = await this.list(userId, { limit: 100, ...(cursor ? { cursor } : {}) })
      all.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    return all
  }

  /** Withdraws the learner's deposit while it waits for a decision (pending or referred); 409 once decided. */
  async withdraw(id: string, userId: string, actor: AuditActor): Promise<DepositView> {
    await transaction(this.ds, async (m) => {
      const store = new DepositStore(m)
      const deposit = await store.find(id)
      if (!deposit || deposit.userId !== userId) throw notYours(id)
      await this.recognition.withdraw(m, deposit.outcomeId, actor)
      const now = this.clock().toISOString()
      await store.markWithdrawn(id, now)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'deposit_withdrawn',
        subject: { type: 'deposit', id },
        before: { withdrawnAt: null },
        after: { outcomeId: deposit.outcomeId, withdrawnAt: now },
      })
    })
    return this.get(id, userId)
  }

  /**
   * Erases a learner's evidence (closing their account, PIPL): the evidence rows of every deposit of theirs go in one
   * transaction, audited (`evidence_erased`, hashes only); then each content file no other deposit names is removed.
   * The deposits and their outcomes stay (a recognized outcome's credential is kept, as the notice says). Returns how
   * many evidence rows were erased. `onlyDeposits`: erase only these deposits' evidence (closing an account erases the
   * evidence of withdrawn deposits and keeps that of decided ones, the grounds of their decisions).
   */
  async eraseEvidenceForUser(userId: string, actor: AuditActor, onlyDeposits?: readonly string[]): Promise<number> {
    const erased = await transaction(this.ds, async (m) => {
      const store = new DepositStore(m)
      const ids: string[] = []
      let after: DepositPosition | undefined
      for (;;) {
        const page = await store.listForUser(userId, after, 500)
        ids.push(...page.map((d) => d.id).filter((id) => onlyDeposits === undefined || onlyDeposits.includes(id)))
        if (page.length < 500) break
        after = page.at(-1)
      }
      const evidence = await store.evidenceOf(ids)
      if (!evidence.length) return []
      await store.deleteEvidenceOf(ids)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'evidence_erased',
        subject: { type: 'user', id: userId },
        before: { evidence: evidence.map((e) => ({ depositId: e.depositId, sha256: e.sha256 })) },
        after: { evidence: [] },
      })
      return evidence
    })
    const hashes = [...new Set(erased.map((e) => e.sha256))]
    const still = await new DepositStore(this.ds).referenced(hashes)
    for (const h of hashes) if (!still.has(h)) await this.evidenceStore.remove(h)
    return erased.length
  }

  /** The evidence of an outcome that came from a deposit (empty for imported ones), for the recognition queue's view. */
  async evidenceFor(outcomeId: string): Promise<EvidenceView[]> {
    const store = new DepositStore(this.ds)
    const deposit = await store.findByOutcome(outcomeId)
    if (!deposit) return []
    return (await store.evidenceOf([deposit.id])).map((e) => this.evidenceView(e))
  }

  /**
   * Opens one evidence file for `principal`: the depositing learner, or a reviewer or expert whose queue holds the
   * outcome now. Anyone else gets not_found (a deposit's existence is not told). A read by staff is audited
   * (`evidence_read`) before the content is handed over.
   */
  async openEvidence(depositId: string, sha256: string, principal: Principal): Promise<OpenedEvidence> {
    const store = new DepositStore(this.ds)
    const deposit = await store.find(depositId)
    const missing = new AppError('not_found', `no evidence ${sha256} of deposit ${depositId} for you (未找到该证明材料)`)
    if (!deposit || principal.kind !== 'user') throw missing
    const staff = principal.role !== 'learner'
    if (!staff && deposit.userId !== principal.id) throw missing
    if (staff && !(await this.recognition.inQueueOf(deposit.outcomeId, principal))) throw missing
    const evidence = await store.findEvidence(depositId, sha256)
    if (!evidence) throw missing
    const opened = await this.evidenceStore.open(sha256)
    // A row whose content is gone is the bank's fault, not the caller's: a 500, logged.
    if (!opened) throw new Error(`evidence ${sha256} of deposit ${depositId} is missing from the evidence store`)
    if (staff) {
      try {
        await transaction(this.ds, (m) =>
          record(m, {
            at: this.clock(),
            actor: { type: 'user', id: principal.id, name: principal.username },
            action: 'evidence_read',
            subject: { type: 'evidence', id: `${depositId}/${sha256}` },
            after: { depositId, outcomeId: deposit.outcomeId, sha256, role: principal.role },
          }),
        )
      } catch (err) {
        opened.stream.destroy()
        throw err
      }
    }
    return { evidence, stream: opened.stream, size: opened.size }
  }

  private evidenceView(e: EvidenceRecord): EvidenceView {
    return {
      sha256: e.sha256,
      mediaType: e.mediaType,
      size: e.size,
      name: e.originalName,
      href: new URL(`deposits/${e.depositId}/evidence/${e.sha256}`, this.base).href,
    }
  }

  private async views(deposits: readonly DepositRecord[]): Promise<DepositView[]> {
    const evidence = await new DepositStore(this.ds).evidenceOf(deposits.map((d) => d.id))
    return Promise.all(
      deposits.map(async (d) => {
        const outcome = await this.recognition.outcomeOfDeposit(d.id)
        if (!outcome) throw new Error(`deposit ${d.id} has no outcome`)
        return {
          id: d.id,
          status: outcome.state,
          outcomeId: d.outcomeId,
          achievement: outcome.achievement,
          result: outcome.result,
          awardedDate: outcome.awardedDate,
          reason: outcome.reason,
          credentialId: outcome.credentialId,
          evidence: evidence.filter((e) => e.depositId === d.id).map((e) => this.evidenceView(e)),
          createdAt: d.createdAt,
          referredAt: outcome.referredAt,
          decidedAt: outcome.state === 'withdrawn' ? null : outcome.decidedAt,
          withdrawnAt: d.withdrawnAt,
        }
      }),
    )
  }
}
