// Accounts' use cases: learners register, admins create staff/reviewer/expert/admin accounts, people sign in with a
// password (scrypt, lockout) or through the external OpenID Connect provider, and browser sessions come and go.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError, InvalidRequestError } from '../../core/errors.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import { dummyHash, hashCost, hashPassword, passwordProblems, verifyPassword } from './passwords.ts'
import type { Role } from './principal.ts'
import { UserStore, type SessionRecord, type UserRecord, type UserStatus } from './user-store.ts'
import { IdentityStore } from './identity-store.ts'

export interface AccountsPolicy {
  readonly scryptCost: number
  readonly lockoutFailures: number
  readonly lockoutMinutes: number
  readonly sessionHours: number
  readonly sessionIdleMinutes: number
}

/** The alliance, asked whether a staff member's institution exists (through its use case). */
export interface InstitutionDirectory {
  exists(id: string): Promise<boolean>
}

export interface NewUser {
  readonly username: string
  readonly role: Role
  readonly displayName: string
  /** Staff only, and required for staff. */
  readonly institutionId?: string
  /** Omitted: a random initial password is made and returned once. */
  readonly password?: string
}

/** A new browser session: the token goes into the cookie, never anywhere else. */
export interface NewSession {
  readonly token: string
  readonly record: SessionRecord
}

/** What answers and the audit trail show of an account: never the password hash. */
export const userJson = (u: UserRecord) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  displayName: u.displayName,
  ...(u.institutionId ? { institutionId: u.institutionId } : {}),
  status: u.status,
  createdAt: u.createdAt,
  lastSignInAt: u.lastSignInAt,
})

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$'
const SESSION_TOKEN = /^cbs_[A-Za-z0-9_-]{43}$/
/** An account's idle deadline is written at most once a minute, so a busy page costs no write per request. */
const IDLE_RESOLUTION_MS = 60_000

/** A new active account: a new id, no failed sign-ins, never signed in. */
const freshUser = (
  u: Pick<UserRecord, 'username' | 'role' | 'institutionId' | 'displayName' | 'passwordHash'>,
  now: string,
): UserRecord => ({
  id: randomUUID(),
  ...u,
  status: 'active',
  failedSignIns: 0,
  lockedUntil: null,
  createdAt: now,
  updatedAt: now,
  lastSignInAt: null,
})

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

export class Accounts {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly policy: AccountsPolicy
  private readonly institutions: InstitutionDirectory

  constructor(deps: { ds: DataSource; clock: Clock; policy: AccountsPolicy; institutions: InstitutionDirectory }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.policy = deps.policy
    this.institutions = deps.institutions
  }

  /** A learner registers (self-service) and is signed in at once. */
  async register(input: { username: string; password: string; displayName: string }): Promise<{ user: UserRecord; session: NewSession }> {
    const user = await this.insertUser(
      { ...input, role: 'learner' },
      (u) => ({ type: 'user', id: u.id, name: u.username }),
      'user_registered',
    )
    return { user, session: await this.openSession(user, 'password') }
  }

  /** An admin (or the operator at the command line) creates an account of any role. */
  async createUser(input: NewUser, actor: AuditActor): Promise<{ user: UserRecord; initialPassword?: string }> {
    if (input.role === 'staff' && !input.institutionId)
      throw new InvalidRequestError('staff accounts belong to one institution', [{ path: '/institutionId', message: 'required for staff' }])
    if (input.role !== 'staff' && input.institutionId)
      throw new InvalidRequestError('only staff accounts belong to an institution', [
        { path: '/institutionId', message: `must be absent for role ${input.role}` },
      ])
    if (input.institutionId && !(await this.institutions.exists(input.institutionId)))
      throw new InvalidRequestError('no such institution', [{ path: '/institutionId', message: `no institution ${input.institutionId}` }])
    const initialPassword = input.password === undefined ? randomBytes(12).toString('base64url') : undefined
    const user = await this.insertUser({ ...input, password: input.password ?? initialPassword! }, () => actor, 'user_created')
    return { user, ...(initialPassword ? { initialPassword } : {}) }
  }

  private async insertUser(
    input: NewUser & { password: string },
    actorOf: (u: UserRecord) => AuditActor,
    action: string,
  ): Promise<UserRecord> {
    const username = input.username.toLowerCase()
    const problems = passwordProblems(input.password, username)
    if (problems.length) throw new InvalidRequestError(`the password is not acceptable: ${problems[0]!.message}`, problems)
    const user = freshUser(
      {
        username,
        role: input.role,
        institutionId: input.institutionId ?? null,
        displayName: input.displayName.trim(),
        passwordHash: await hashPassword(input.password, this.policy.scryptCost),
      },
      this.clock().toISOString(),
    )
    try {
      await transaction(this.ds, async (m) => {
        await new UserStore(m).insert(user)
        await record(m, { at: this.clock(), actor: actorOf(user), action, subject: { type: 'user', id: user.id }, after: userJson(user) })
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('username_taken', `the username ${username} is taken; choose another`)
      throw err
    }
    return user
  }

  /**
   * Signs in with a password. Unknown usernames and wrong passwords get the same error after the same work; after
   * `lockoutFailures` wrong passwords in a row the account is locked for `lockoutMinutes` (counted in the database, so
   * every instance sees it), and a correct password does not open it before then.
   */
  async signInWithPassword(username: string, password: string): Promise<{ user: UserRecord; session: NewSession }> {
    const store = new UserStore(this.ds)
    const user = await store.findByUsername(username)
    const now = this.clock()
    if (!user || user.passwordHash === null || user.status !== 'active') {
      await verifyPassword(password, await dummyHash(this.policy.scryptCost))
      throw new AppError('invalid_credentials', 'the username or the password is wrong (用户名或密码错误)')
    }
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) throw this.locked(user.lockedUntil, now)
    if (!(await verifyPassword(password, user.passwordHash))) {
      const lockedUntil = new Date(now.getTime() + this.policy.lockoutMinutes * 60_000).toISOString()
      const failures = await store.countFailure(user.id, this.policy.lockoutFailures, lockedUntil)
      if (failures === this.policy.lockoutFailures)
        await transaction(this.ds, (m) =>
          record(m, {
            at: now,
            actor: { type: 'system', id: 'bank' },
            action: 'account_locked',
            subject: { type: 'user', id: user.id },
            after: { failedSignIns: failures, lockedUntil },
          }),
        )
      if (failures >= this.policy.lockoutFailures) throw this.locked(lockedUntil, now)
      throw new AppError('invalid_credentials', 'the username or the password is wrong (用户名或密码错误)')
    }
    // A hash made at a lower cost than today's is replaced now that the password is known.
    const rehash = hashCost(user.passwordHash) < this.policy.scryptCost ? await hashPassword(password, this.policy.scryptCost) : null
    const signedIn: UserRecord = {
      ...user,
      passwordHash: rehash ?? user.passwordHash,
      failedSignIns: 0,
      lockedUntil: null,
      lastSignInAt: now.toISOString(),
    }
    await store.update(signedIn)
    return { user: signedIn, session: await this.openSession(signedIn, 'password') }
  }

  private locked(until: string, now: Date): AppError {
    const seconds = Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000))
    return new AppError('account_locked', `too many wrong passwords: the account is locked until ${until} (账户已临时锁定)`, {
      headers: { 'Retry-After': String(seconds) },
    })
  }

  /**
   * Signs in someone the external OpenID Connect provider vouched for (issuer + subject). The first time, a learner
   * account is made and linked; later sign-ins find it by the link. `suggestedUsername` comes from the provider's claims.
   */
  async signInExternal(input: {
    provider: string
    subject: string
    displayName: string
    suggestedUsername?: string
  }): Promise<{ user: UserRecord; session: NewSession; created: boolean }> {
    const store = new UserStore(this.ds)
    const linked = await store.findOidcLink(input.provider, input.subject)
    let user = linked ? await store.find(linked) : undefined
    let created = false
    if (!user) {
      const now = this.clock().toISOString()
      const base = (input.suggestedUsername ?? '')
        .toLowerCase()
        .replace(/[^a-z0-9._-]/g, '')
        .slice(0, 40)
      const fresh = freshUser(
        {
          username: `${base.length >= 3 ? base : 'learner'}-${randomBytes(3).toString('hex')}`,
          role: 'learner',
          institutionId: null,
          displayName: input.displayName.trim().slice(0, 200) || 'Learner',
          passwordHash: null,
        },
        now,
      )
      user = await transaction(this.ds, async (m) => {
        const tx = new UserStore(m)
        // Two first sign-ins racing: the link's primary key lets one win; the other finds its account.
        const raced = await tx.findOidcLink(input.provider, input.subject)
        if (raced) return (await tx.find(raced))!
        await tx.insert(fresh)
        await tx.insertOidcLink(input.provider, input.subject, fresh.id, now)
        await record(m, {
          at: this.clock(),
          actor: { type: 'user', id: fresh.id, name: fresh.username },
          action: 'user_registered',
          subject: { type: 'user', id: fresh.id },
          after: { ...userJson(fresh), oidcProvider: input.provider },
        })
        created = true
        return fresh
      })
    }
    if (user.status !== 'active') throw new AppError('invalid_credentials', 'this account is not active (账户不可用)')
    const signedIn = { ...user, lastSignInAt: this.clock().toISOString() }
    await store.update(signedIn)
    return { user: signedIn, session: await this.openSession(signedIn, 'oidc'), created }
  }

  private async openSession(user: UserRecord, method: 'password' | 'oidc'): Promise<NewSession> {
    const now = this.clock().getTime()
    const token = `cbs_${randomBytes(32).toString('base64url')}`
    const session: SessionRecord = {
      id: randomUUID(),
      tokenHash: sha256(token),
      userId: user.id,
      csrfToken: randomBytes(32).toString('base64url'),
      method,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.policy.sessionHours * 3_600_000).toISOString(),
      idleExpiresAt: new Date(now + this.policy.sessionIdleMinutes * 60_000).toISOString(),
    }
    const store = new UserStore(this.ds)
    await store.deleteExpiredSessions(new Date(now).toISOString())
    await store.insertSession(session)
    return { token, record: session }
  }

  /** The session and its account for a cookie's token, if both are live; extends the idle deadline. */
  async authenticateSession(token: string): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
    if (!SESSION_TOKEN.test(token)) return undefined
    const store = new UserStore(this.ds)
    const digest = sha256(token)
    const session = await store.findSession(digest)
    if (!session || !timingSafeEqual(Buffer.from(session.tokenHash, 'hex'), Buffer.from(digest, 'hex'))) return undefined
    const now = this.clock().getTime()
    if (Date.parse(session.expiresAt) <= now || Date.parse(session.idleExpiresAt) <= now) {
      await store.deleteSession(session.id)
      return undefined
    }
    const user = await store.find(session.userId)
    if (!user || user.status !== 'active') return undefined
    const idle = now + this.policy.sessionIdleMinutes * 60_000
    if (idle - Date.parse(session.idleExpiresAt) >= IDLE_RESOLUTION_MS) await store.touchSession(session.id, new Date(idle).toISOString())
    return { user, session }
  }

  async session(id: string): Promise<SessionRecord> {
    const session = await new UserStore(this.ds).findSessionById(id)
    if (!session) throw new AppError('unauthorized', 'your session has ended; sign in again')
    return session
  }

  async signOut(sessionId: string): Promise<void> {
    await new UserStore(this.ds).deleteSession(sessionId)
  }

  /** Changes one's own password; every other session of the account ends. */
  async changePassword(userId: string, current: string, next: string, keepSessionId: string): Promise<void> {
    const user = await this.get(userId)
    if (user.passwordHash === null || !(await verifyPassword(current, user.passwordHash)))
      throw new AppError('invalid_credentials', 'the current password is wrong (当前密码错误)')
    const problems = passwordProblems(next, user.username, '/newPassword')
    if (problems.length) throw new InvalidRequestError(`the new password is not acceptable: ${problems[0]!.message}`, problems)
    const passwordHash = await hashPassword(next, this.policy.scryptCost)
    await transaction(this.ds, async (m) => {
      const store = new UserStore(m)
      await store.update({ ...user, passwordHash, updatedAt: this.clock().toISOString() })
      const keep = await store.findSessionById(keepSessionId)
      await store.deleteSessionsOf(userId)
      if (keep) await store.insertSession(keep)
      await record(m, {
        at: this.clock(),
        actor: { type: 'user', id: userId, name: user.username },
        action: 'password_changed',
        subject: { type: 'user', id: userId },
      })
    })
  }

  /** The learner's keyed identity hash once real-name verified (their outcomes are held under it), else null. */
  verifiedIdHash(userId: string): Promise<string | null> {
    return new IdentityStore(this.ds).idHashOf(userId)
  }

  /**
   * Sets a new password for someone (an admin's reset, or the demo's fresh passwords at each start): the lockout is
   * cleared and every session of the account ends.
   */
  async resetPassword(userId: string, password: string, actor: AuditActor): Promise<void> {
    const user = await this.get(userId)
    const problems = passwordProblems(password, user.username)
    if (problems.length) throw new InvalidRequestError(`the password is not acceptable: ${problems[0]!.message}`, problems)
    const passwordHash = await hashPassword(password, this.policy.scryptCost)
    await transaction(this.ds, async (m) => {
      const store = new UserStore(m)
      await store.update({ ...user, passwordHash, failedSignIns: 0, lockedUntil: null, updatedAt: this.clock().toISOString() })
      await store.deleteSessionsOf(userId)
      await record(m, { at: this.clock(), actor, action: 'password_reset', subject: { type: 'user', id: userId } })
    })
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    return new UserStore(this.ds).findByUsername(username)
  }

  async get(id: string): Promise<UserRecord> {
    const user = await new UserStore(this.ds).find(id)
    if (!user) throw new AppError('not_found', `no such account: ${id}`)
    return user
  }

  async list(filter: { role?: Role; institutionId?: string; afterId?: string }, limit: number): Promise<UserRecord[]> {
    return new UserStore(this.ds).list(filter, limit)
  }

  /** Disables or re-enables an account (admins); disabling ends its sessions at once. Closing is the learner's own act. */
  async setStatus(id: string, status: Exclude<UserStatus, 'closed'>, actor: AuditActor): Promise<UserRecord> {
    return transaction(this.ds, async (m) => {
      const store = new UserStore(m)
      const user = await store.find(id)
      if (!user) throw new AppError('not_found', `no such account: ${id}`)
      if (user.status === 'closed') throw new AppError('account_closed', 'a closed account cannot be changed')
      if (user.status === status) return user
      const next = { ...user, status, failedSignIns: 0, lockedUntil: null, updatedAt: this.clock().toISOString() }
      await store.update(next)
      if (status === 'disabled') await store.deleteSessionsOf(id)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'user_status_changed',
        subject: { type: 'user', id },
        before: { status: user.status },
        after: { status },
      })
      return next
    })
  }
}
