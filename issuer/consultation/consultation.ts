// Consultation (学习咨询, issue 8 item 4): a learner asks a question, optionally about one of their outcomes, a rule (a
// ledger cap or a conversion rule) or a certification report; staff of the institution concerned, or the bank's
// reviewers and admins, answer; both see the thread. Beside the thread the learner is shown the bank's automatic
// consultation: the conversion advice for their outcomes. The audit trail records each message without its text.
import { createHash, randomUUID } from 'node:crypto'
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import type { Principal } from '../accounts/principal.ts'
import { MASK, record, type AuditActor } from '../audit/audit-trail.ts'
import { reportNumberOrThrow } from '../reports/reports.ts'
import {
  ConsultationStore,
  type AuthorRole,
  type MessageLanguage,
  type MessageRecord,
  type ThreadPosition,
  type ThreadRecord,
  type ThreadScope,
} from './consultation-store.ts'
import { decodeCursor, encodeCursor, type CursorKey } from '../../core/store/cursor.ts'

/** The longest message, in characters. */
export const MAX_MESSAGE_CHARS = 4000
/** The longest subject, in characters. */
export const MAX_SUBJECT_CHARS = 200
/** What an erased subject or message reads (the account was closed). */
export const ERASED = '[erased · 已删除]'
/** Messages per thread: a longer conversation starts a new thread. */
export const MAX_MESSAGES_PER_THREAD = 200

export interface NewThread {
  readonly subject: string
  readonly message: string
  readonly language?: MessageLanguage
  readonly outcomeId?: string
  readonly ruleId?: string
  readonly reportNumber?: string
}

export interface NewMessage {
  readonly message: string
  readonly language?: MessageLanguage
}

/** The learner's verified identity, as accounts knows it. */
export interface VerifiedLearners {
  verifiedIdHash(userId: string): Promise<string | null>
}
/** One of the learner's outcomes (recognition's use case: not_found for anyone else's). */
export interface LearnerOutcome {
  outcomeForLearner(idHash: string, outcomeId: string): Promise<{ readonly institutionId: string | null }>
}
/** A rule a question may be about, and the institution it concerns (null: the bank's own); undefined: no such rule. */
export interface RuleDirectory {
  ruleConcerns(ruleId: string): Promise<{ readonly institutionId: string | null } | undefined>
}
/**
 * The learner's certification reports: the number as the reports capability reads it (400 when malformed or mistyped),
 * if the report is theirs; undefined otherwise.
 */
export interface LearnerReports {
  ownReport(userId: string, numberInput: string): Promise<string | undefined>
}

/** LearnerReports over the reports capability's use cases (its number parser and the learner's list of reports). */
export function learnerReportsOf(reports: {
  listForLearner(
    userId: string,
    page: { after?: string; limit: number },
  ): Promise<{ items: readonly { number: string }[]; nextCursor?: string }>
}): LearnerReports {
  return {
    async ownReport(userId, numberInput) {
      const number = reportNumberOrThrow(numberInput)
      let after: string | undefined
      do {
        const page = await reports.listForLearner(userId, { limit: 100, ...(after ? { after } : {}) })
        if (page.items.some((r) => r.number === number)) return number
        after = page.nextCursor
      } while (after)
      return undefined
    },
  }
}

/** The conversion capability's automatic consultation (node.conversion.advice). */
export interface ConversionAdvice {
  advice(idHash: string): Promise<unknown>
}

export interface ThreadView {
  readonly id: string
  readonly subject: string
  readonly about: { readonly outcomeId: string | null; readonly ruleId: string | null; readonly reportNumber: string | null }
  readonly institutionId: string | null
  readonly messageCount: number
  readonly createdAt: string
  readonly updatedAt: string
}

export interface MessageView {
  readonly id: string
  readonly position: number
  /** Who wrote it, by role (staff: of the institution concerned); `mine`: the caller did. */
  readonly author: { readonly role: AuthorRole; readonly mine: boolean }
  readonly text: string
  readonly language: MessageLanguage | null
  readonly createdAt: string
}

export interface ThreadPage {
  readonly items: ThreadView[]
  readonly nextCursor?: string
}

const ANSWERING_ROLES: ReadonlySet<string> = new Set(['staff', 'reviewer', 'admin'])

/** A message as the audit trail keeps it: never its text (it may hold personal data), only its size and digest. */
const auditedMessage = (m: MessageRecord) => ({
  id: m.id,
  position: m.position,
  authorRole: m.authorRole,
  language: m.language,
  chars: [...m.body].length,
  sha256: createHash('sha256').update(m.body).digest('hex'),
})

const threadView = (t: ThreadRecord): ThreadView => ({
  id: t.id,
  subject: t.subject,
  about: { outcomeId: t.outcomeId, ruleId: t.ruleId, reportNumber: t.reportNumber },
  institutionId: t.institutionId,
  messageCount: t.messageCount,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
})

const threadPosition = ([updatedAt, id]: CursorKey): ThreadPosition => ({ updatedAt, id })

/** A text the learner or staff typed: trimmed, and within the limits (the request schema checks the same). */
function text(value: string, max: number, path: string): string {
  const t = value.trim()
  if (!t || [...t].length > max)
    throw new AppError('invalid_request', `${path.slice(1)} must be 1 to ${max} characters`, {
      issues: [{ path, message: `must be 1 to ${max} characters` }],
    })
  return t
}

/** The rules a question may name: a ledger cap (the bank's) or a conversion rule (its target institution's). */
export function ruleDirectoryOf(sources: {
  ledger: { getRule(id: string): Promise<unknown> }
  conversion?: { getRule(id: string): Promise<{ readonly targetInstitutionId: string }> }
}): RuleDirectory {
  const missing = (err: unknown) => {
    if (err instanceof AppError && err.code === 'not_found') return undefined
    throw err
  }
  return {
    async ruleConcerns(ruleId) {
      const capped = await sources.ledger.getRule(ruleId).then(() => ({ institutionId: null }), missing)
      if (capped) return capped
      if (!sources.conversion) return undefined
      return sources.conversion.getRule(ruleId).then((r) => ({ institutionId: r.targetInstitutionId }), missing)
    },
  }
}

export class Consultation {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly learners: VerifiedLearners
  private readonly outcomes: LearnerOutcome
  private readonly rules: RuleDirectory
  private readonly conversionAdvice: ConversionAdvice | undefined
  private readonly reports: LearnerReports | undefined

  constructor(deps: {
    ds: DataSource
    clock: Clock
    learners: VerifiedLearners
    outcomes: LearnerOutcome
    rules: RuleDirectory
    advice?: ConversionAdvice
    reports?: LearnerReports
  }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.learners = deps.learners
    this.outcomes = deps.outcomes
    this.rules = deps.rules
    this.conversionAdvice = deps.advice
    this.reports = deps.reports
  }

  /**
   * A learner opens a thread with its first message. An outcome named must be theirs (and they real-name verified);
   * its institution is the one concerned. A rule named must exist; a conversion rule's target institution is concerned.
   */
  async open(principal: Principal, input: NewThread): Promise<{ thread: ThreadView; messages: MessageView[] }> {
    const learner = this.learnerOf(principal)
    const subject = text(input.subject, MAX_SUBJECT_CHARS, '/subject')
    const body = text(input.message, MAX_MESSAGE_CHARS, '/message')
    let institutionId: string | null = null
    if (input.outcomeId !== undefined) {
      const idHash = await this.learners.verifiedIdHash(learner.id)
      if (idHash === null)
        throw new AppError('not_found', `you have no learning outcome ${input.outcomeId} (pass real-name verification to see yours)`)
      institutionId = (await this.outcomes.outcomeForLearner(idHash, input.outcomeId)).institutionId
    }
    if (input.ruleId !== undefined) {
      const rule = await this.rules.ruleConcerns(input.ruleId)
      if (!rule) throw new AppError('not_found', `no ledger or conversion rule ${input.ruleId}`)
      institutionId ??= rule.institutionId
    }
    let reportNumber: string | null = null
    if (input.reportNumber !== undefined) {
      if (!this.reports) throw new AppError('not_found', `no certification report ${input.reportNumber} of yours`)
      const own = await this.reports.ownReport(learner.id, input.reportNumber)
      if (own === undefined) throw new AppError('not_found', `no certification report ${input.reportNumber} of yours`)
      reportNumber = own
    }
    const now = this.clock().toISOString()
    const thread: ThreadRecord = {
      id: randomUUID(),
      learnerUserId: learner.id,
      subject,
      outcomeId: input.outcomeId ?? null,
      ruleId: input.ruleId ?? null,
      reportNumber,
      institutionId,
      messageCount: 1,
      createdAt: now,
      updatedAt: now,
    }
    const message: MessageRecord = {
      id: randomUUID(),
      threadId: thread.id,
      position: 1,
      authorUserId: learner.id,
      authorRole: 'learner',
      body,
      language: input.language ?? null,
      createdAt: now,
    }
    await transaction(this.ds, async (m) => {
      const store = new ConsultationStore(m)
      await store.insertThread(thread)
      await store.insertMessage(message)
      await record(m, {
        at: this.clock(),
        actor: { type: 'user', id: learner.id, name: learner.username },
        action: 'consultation_opened',
        subject: { type: 'consultation', id: thread.id },
        after: { ...threadView(thread), subject: MASK, message: auditedMessage(message) },
      })
    })
    return { thread: threadView(thread), messages: [this.messageView(message, principal)] }
  }

  /** The threads the caller may read, newest activity first: a learner's own, staff's institution's, or all (bank). */
  async list(principal: Principal, page: { after?: string; limit: number }): Promise<ThreadPage> {
    const scope = this.scopeOf(principal)
    const rows = await new ConsultationStore(this.ds).listThreads(
      scope,
      page.after === undefined ? undefined : threadPosition(decodeCursor(page.after)),
      page.limit + 1,
    )
    const items = rows.slice(0, page.limit).map(threadView)
    const last = items.at(-1)
    return rows.length > page.limit && last ? { items, nextCursor: encodeCursor([last.updatedAt, last.id]) } : { items }
  }

  /**
   * A thread with its messages; for its learner, the conversion advice beside it (null while they are not real-name
   * verified). not_found for a thread the caller may not read.
   */
  async get(principal: Principal, threadId: string): Promise<{ thread: ThreadView; messages: MessageView[]; advice?: unknown }> {
    const store = new ConsultationStore(this.ds)
    const thread = await store.findThread(threadId)
    if (!thread || !this.maySee(principal, thread)) throw new AppError('not_found', `no consultation ${threadId} of yours`)
    const messages = (await store.messagesOf(thread.id)).map((m) => this.messageView(m, principal))
    if (principal.kind !== 'user' || principal.role !== 'learner') return { thread: threadView(thread), messages }
    return { thread: threadView(thread), messages, advice: await this.adviceFor(principal.id) }
  }

  /** The caller adds a message to a thread they may read (404 otherwise); the learner's or an answer. */
  async reply(principal: Principal, threadId: string, input: NewMessage): Promise<MessageView> {
    if (principal.kind !== 'user') throw new AppError('forbidden', 'consultations are answered by people, not API clients')
    const body = text(input.message, MAX_MESSAGE_CHARS, '/message')
    const role = principal.role
    if (role !== 'learner' && !ANSWERING_ROLES.has(role)) throw new AppError('forbidden', `a ${role} does not answer consultations`)
    const message = await transaction(this.ds, async (m) => {
      const store = new ConsultationStore(m)
      const thread = await store.findThread(threadId, { lock: true })
      if (!thread || !this.maySee(principal, thread)) throw new AppError('not_found', `no consultation ${threadId} of yours`)
      if (thread.messageCount >= MAX_MESSAGES_PER_THREAD)
        throw new AppError('invalid_request', `a thread holds at most ${MAX_MESSAGES_PER_THREAD} messages: open a new one`, {
          issues: [{ path: '/message', message: `the thread already has ${MAX_MESSAGES_PER_THREAD} messages` }],
        })
      const now = this.clock().toISOString()
      const message: MessageRecord = {
        id: randomUUID(),
        threadId,
        position: thread.messageCount + 1,
        authorUserId: principal.id,
        authorRole: role as AuthorRole,
        body,
        language: input.language ?? null,
        createdAt: now,
      }
      await store.insertMessage(message)
      await store.touchThread(threadId, message.position, now)
      await record(m, {
        at: this.clock(),
        actor: { type: 'user', id: principal.id, name: principal.username },
        action: 'consultation_message_posted',
        subject: { type: 'consultation', id: threadId },
        after: { message: auditedMessage(message) },
      })
      return message
    })
    return this.messageView(message, principal)
  }

  /** A learner's threads with every message, for their personal data export (GET /me/export). */
  async exportFor(
    userId: string,
  ): Promise<{ thread: ThreadView; messages: { position: number; authorRole: AuthorRole; text: string; createdAt: string }[] }[]> {
    const store = new ConsultationStore(this.ds)
    const threads = await store.threadsOfLearner(userId)
    return Promise.all(
      threads.map(async (t) => ({
        thread: threadView(t),
        messages: (await store.messagesOf(t.id)).map((m) => ({
          position: m.position,
          authorRole: m.authorRole,
          text: m.body,
          createdAt: m.createdAt,
        })),
      })),
    )
  }

  /**
   * Closing an account (PIPL): the subjects and every message text of the learner's threads are erased in the caller's
   * transaction (answers may quote them); the threads stay as a record that questions were asked and answered. Audited
   * with the counts only.
   */
  async eraseForUser(m: EntityManager, userId: string, actor: AuditActor): Promise<{ threads: number; messages: number }> {
    const erased = await new ConsultationStore(m).eraseTextsOfLearner(userId, ERASED)
    if (erased.threads > 0)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'consultation_texts_erased',
        subject: { type: 'user', id: userId },
        after: erased,
      })
    return erased
  }

  /** The automatic consultation beside a learner's thread: null until they are verified. */
  private async adviceFor(userId: string): Promise<unknown> {
    const idHash = await this.learners.verifiedIdHash(userId)
    if (idHash === null || !this.conversionAdvice) return null
    return this.conversionAdvice.advice(idHash)
  }

  private learnerOf(principal: Principal) {
    if (principal.kind !== 'user' || principal.role !== 'learner') throw new AppError('forbidden', 'only learners open consultations')
    return principal
  }

  private scopeOf(principal: Principal): ThreadScope {
    if (principal.kind !== 'user') throw new AppError('forbidden', 'consultations are read by people, not API clients')
    if (principal.role === 'learner') return { learnerUserId: principal.id }
    if (principal.role === 'staff') {
      if (principal.institutionId === null) throw new AppError('forbidden', 'a staff account without an institution sees no consultation')
      return { institutionId: principal.institutionId }
    }
    if (principal.role === 'reviewer' || principal.role === 'admin') return 'all'
    throw new AppError('forbidden', `a ${principal.role} does not read consultations`)
  }

  private maySee(principal: Principal, thread: ThreadRecord): boolean {
    if (principal.kind !== 'user') return false
    switch (principal.role) {
      case 'learner':
        return thread.learnerUserId === principal.id
      case 'staff':
        return thread.institutionId !== null && thread.institutionId === principal.institutionId
      case 'reviewer':
      case 'admin':
        return true
      default:
        return false
    }
  }

  private messageView(m: MessageRecord, principal: Principal): MessageView {
    return {
      id: m.id,
      position: m.position,
      author: { role: m.authorRole, mine: principal.kind === 'user' && m.authorUserId === principal.id },
      text: m.body,
      language: m.language,
      createdAt: m.createdAt,
    }
  }
}
