// A learner's rights over their personal information (PIPL arts. 45, 47; GB/T 35273 §8): download everything the bank
// holds about them, and close their account, which erases or anonymizes their personal data and keeps what the privacy
// notice says is kept (signed credentials, imported outcomes, the audit chain, consent records).
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import { listAuditAbout, record, type AuditActor, type AuditView } from '../audit/audit-trail.ts'
import { userJson, type Accounts } from './accounts.ts'
import { consentJson, type LearnerIdentity } from './identity.ts'
import { IdentityStore } from './identity-store.ts'
import { NOTICE_DIGEST, PRIVACY_NOTICE } from './personal-data-notice.ts'
import { verifyPassword } from './passwords.ts'
import { UserStore } from './user-store.ts'

/** The recognition capability's use case for a learner's outcomes (by keyed identity hash), paged. */
export interface LearnerOutcomes {
  listForLearner(idHash: string, page: { after?: string; limit: number }): Promise<{ items: readonly unknown[]; nextCursor?: string }>
}

/** The deposits capability's use cases: every deposit of a learner, with its evidence list (not content); withdrawal. */
export interface LearnerDeposits {
  listForUser(userId: string): Promise<readonly { readonly id: string; readonly status: string }[]>
  withdraw(id: string, userId: string, actor: AuditActor): Promise<unknown>
  eraseEvidenceForUser(userId: string, actor: AuditActor, onlyDeposits?: readonly string[]): Promise<number>
}

/** The consultation capability's use cases: a learner's threads with their messages; erasing the texts. */
export interface LearnerConsultations {
  exportFor(userId: string): Promise<readonly unknown[]>
  eraseForUser(m: EntityManager, userId: string, actor: AuditActor): Promise<{ threads: number; messages: number }>
}

/** The reports capability's use cases: a learner's certification reports; revoking them; erasing their name from them. */
export interface LearnerReports {
  exportFor(userId: string): Promise<readonly unknown[]>
  revokeAllFor(userId: string, actor: AuditActor): Promise<number>
  eraseForUser(m: EntityManager, userId: string, actor: AuditActor): Promise<number>
}

/** Deposit states that still wait for a decision: closing the account withdraws them. */
const UNDECIDED = new Set(['pending', 'referred'])

/** Closing an account without the password needs a session opened this recently. */
export const RECENT_SIGN_IN_MINUTES = 10

const PAGE = 500

export interface CloseAccountInput {
  readonly confirm: boolean
  /** The account's password; without it the session must be recent (RECENT_SIGN_IN_MINUTES). */
  readonly password?: string
}

export interface ClosedAccount {
  readonly userId: string
  readonly closedAt: string
  readonly erased: readonly string[]
  readonly kept: readonly string[]
}

export class PersonalDataRights {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly accounts: Accounts
  private readonly identity: LearnerIdentity
  private readonly outcomes: LearnerOutcomes | undefined
  private readonly deposits: LearnerDeposits | undefined
  private readonly consultations: LearnerConsultations | undefined
  private readonly reports: LearnerReports | undefined

  constructor(deps: {
    ds: DataSource
    clock: Clock
    accounts: Accounts
    identity: LearnerIdentity
    outcomes?: LearnerOutcomes
    deposits?: LearnerDeposits
    consultations?: LearnerConsultations
    reports?: LearnerReports
  }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.accounts = deps.accounts
    this.identity = deps.identity
    this.outcomes = deps.outcomes
    this.deposits = deps.deposits
    this.consultations = deps.consultations
    this.reports = deps.reports
  }

  /**
   * Everything the bank holds about the learner, as one JSON document: the account, the identity in the clear (their
   * own data), consents, session dates, OIDC links, learning outcomes held under their identity hash, their deposits
   * (with the evidence list; the files themselves stay downloadable one by one), and every audit
   * entry they made or that is about them (staff reads of their number among them).
   */
  async export(userId: string) {
    const user = await this.accounts.get(userId)
    const store = new UserStore(this.ds)
    const identity = await this.identity.revealOwn(userId)
    const idHash = await this.identity.verifiedIdHash(userId)
    const outcomes: unknown[] = []
    if (idHash && this.outcomes) {
      let after: string | undefined
      do {
        const page = await this.outcomes.listForLearner(idHash, { limit: PAGE, ...(after ? { after } : {}) })
        outcomes.push(...page.items)
        after = page.nextCursor
      } while (after)
    }
    const audit: AuditView[] = []
    for (let after: number | null = 0; after !== null;) {
      const page = await listAuditAbout(this.ds, { type: 'user', id: userId }, after, PAGE)
      audit.push(...page.entries)
      after = page.next
    }
    return {
      exportedAt: this.clock().toISOString(),
      notice: { version: PRIVACY_NOTICE.version, digest: NOTICE_DIGEST },
      account: { ...userJson(user), hasPassword: user.passwordHash !== null },
      identity,
      consents: (await this.identity.consents(userId)).map(consentJson),
      sessions: (await store.sessionsOf(userId)).map((s) => ({
        method: s.method,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        idleExpiresAt: s.idleExpiresAt,
      })),
      oidcLinks: await store.oidcLinksOf(userId),
      outcomes: idHash ? outcomes : [],
      deposits: this.deposits ? await this.deposits.listForUser(userId) : [],
      consultations: this.consultations ? await this.consultations.exportFor(userId) : [],
      reports: this.reports ? await this.reports.exportFor(userId) : [],
      audit,
    }
  }

  /**
   * Closes the learner's own account, in one transaction: the identity row (number and name envelopes, keyed hash)
   * deleted, consents withdrawn, the username and display name replaced by anonymous values, the password removed,
   * status 'closed', every session and OIDC link deleted, and the closing audited. Needs `confirm: true` and either the
   * password or a session opened within RECENT_SIGN_IN_MINUTES.
   */
  async close(userId: string, sessionId: string, input: CloseAccountInput, actor: AuditActor): Promise<ClosedAccount> {
    if (input.confirm !== true)
      throw new AppError(
        'confirmation_required',
        'closing an account cannot be undone: send {"confirm": true} (注销账户不可撤销，请确认)',
        {
          issues: [{ path: '/confirm', message: 'must be true' }],
        },
      )
    const user = await this.accounts.get(userId)
    if (input.password !== undefined) {
      if (user.passwordHash === null || !(await verifyPassword(input.password, user.passwordHash)))
        throw new AppError('invalid_credentials', 'the password is wrong (密码错误)')
    } else {
      const session = await this.accounts.session(sessionId)
      const age = this.clock().getTime() - Date.parse(session.createdAt)
      if (age > RECENT_SIGN_IN_MINUTES * 60_000)
        throw new AppError(
          'reauthentication_required',
          `send your password, or sign in again and close the account within ${RECENT_SIGN_IN_MINUTES} minutes (请输入密码或重新登录后再注销)`,
        )
    }
    // Deposits still waiting for a decision are withdrawn (through the deposits capability), so nobody decides on the
    // evidence of a closed account; one decided meanwhile (409) stays decided.
    let depositsWithdrawn = 0
    const withdrawn: string[] = []
    for (const deposit of this.deposits ? await this.deposits.listForUser(userId) : []) {
      if (deposit.status === 'withdrawn') withdrawn.push(deposit.id)
      if (!UNDECIDED.has(deposit.status)) continue
      try {
        await this.deposits!.withdraw(deposit.id, userId, actor)
        depositsWithdrawn++
        withdrawn.push(deposit.id)
      } catch (err) {
        if (!(err instanceof AppError && err.status === 409)) throw err
      }
    }
    // A withdrawn deposit's evidence grounds no decision: its files go (decided deposits keep theirs, as the notice says).
    const evidenceErased = withdrawn.length && this.deposits ? await this.deposits.eraseEvidenceForUser(userId, actor, withdrawn) : 0
    // Certification reports are revoked (their credentials' status bits, so verifiers see it) before the closing commits.
    const reportsRevoked = this.reports ? await this.reports.revokeAllFor(userId, actor) : 0
    const closedAt = this.clock().toISOString()
    return transaction(this.ds, async (m) => {
      const users = new UserStore(m)
      const current = await users.find(userId)
      if (!current) throw new AppError('not_found', `no such account: ${userId}`)
      if (current.status === 'closed') throw new AppError('account_closed', 'this account is already closed')
      const identities = new IdentityStore(m)
      const hadIdentity = (await identities.findByUser(userId)) !== undefined
      await identities.delete(userId)
      const consentsWithdrawn = await identities.withdrawConsents(userId, closedAt)
      const oidcLinks = (await users.oidcLinksOf(userId)).length
      await users.deleteOidcLinksOf(userId)
      await users.deleteSessionsOf(userId)
      const consultation = this.consultations ? await this.consultations.eraseForUser(m, userId, actor) : { threads: 0, messages: 0 }
      const reportsErased = this.reports ? await this.reports.eraseForUser(m, userId, actor) : 0
      await users.update({
        ...current,
        username: `closed-${current.id}`,
        displayName: 'closed account (已注销)',
        passwordHash: null,
        status: 'closed',
        failedSignIns: 0,
        lockedUntil: null,
        updatedAt: closedAt,
      })
      await record(m, {
        at: this.clock(),
        actor,
        action: 'account_closed',
        subject: { type: 'user', id: userId },
        before: { status: current.status },
        after: {
          status: 'closed',
          identityErased: hadIdentity,
          consentsWithdrawn,
          oidcLinksDeleted: oidcLinks,
          depositsWithdrawn,
          evidenceErased,
          consultationMessagesErased: consultation.messages,
          // Only when there were any (the shape of a closing without reports is unchanged).
          ...(reportsRevoked ? { reportsRevoked } : {}),
          ...(reportsErased ? { reportsErased } : {}),
        },
      })
      return {
        userId,
        closedAt,
        erased: [
          ...(hadIdentity ? ['identity number', 'name', 'identity hash'] : []),
          'username',
          'display name',
          'password',
          'sessions',
          ...(oidcLinks ? ['OpenID Connect links'] : []),
          ...(depositsWithdrawn ? ['deposits waiting for a decision (withdrawn)'] : []),
          ...(evidenceErased ? ['evidence of withdrawn deposits'] : []),
          ...(consultation.messages ? ['consultation messages'] : []),
          ...(reportsErased ? ['your name on your certification reports (revoked; their numbers no longer find them)'] : []),
        ],
        kept: [
          'signed credentials and their status',
          'outcomes imported by institutions',
          'decided deposits and their evidence',
          'audit trail (personal data masked)',
          'consent records (withdrawn)',
        ],
      }
    })
  }
}
