// The only SQL over cb_user, cb_session and cb_oidc_identity: accounts, browser sessions (token hashes only) and links to
// the external OpenID Connect provider.
import { sql, type Db } from '../../core/store/sql.ts'
import type { Role } from './principal.ts'

export const USER_STATUSES = ['active', 'disabled', 'closed'] as const
export type UserStatus = (typeof USER_STATUSES)[number]

export interface UserRecord {
  readonly id: string
  /** Lower-case. */
  readonly username: string
  readonly role: Role
  readonly institutionId: string | null
  readonly displayName: string
  readonly passwordHash: string | null
  readonly status: UserStatus
  readonly failedSignIns: number
  readonly lockedUntil: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly lastSignInAt: string | null
}

export interface SessionRecord {
  readonly id: string
  readonly tokenHash: string
  readonly userId: string
  readonly csrfToken: string
  /** How the person signed in: password | oidc. */
  readonly method: string
  readonly createdAt: string
  readonly expiresAt: string
  readonly idleExpiresAt: string
}

interface UserRow {
  id: string
  username: string
  role: string
  institution_id: string | null
  display_name: string
  password_hash: string | null
  status: string
  failed_sign_ins: number | string
  locked_until: string | null
  created_at: string
  updated_at: string
  last_sign_in_at: string | null
}

interface SessionRow {
  id: string
  token_hash: string
  user_id: string
  csrf_token: string
  method: string
  created_at: string
  expires_at: string
  idle_expires_at: string
}

const USER_COLUMNS =
  'id, username, role, institution_id, display_name, password_hash, status, failed_sign_ins, locked_until, created_at, updated_at, last_sign_in_at'
const SESSION_COLUMNS = 'id, token_hash, user_id, csrf_token, method, created_at, expires_at, idle_expires_at'

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  role: r.role as Role,
  institutionId: r.institution_id ?? null,
  displayName: r.display_name,
  passwordHash: r.password_hash ?? null,
  status: r.status as UserStatus,
  failedSignIns: Number(r.failed_sign_ins),
  lockedUntil: r.locked_until ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSignInAt: r.last_sign_in_at ?? null,
})

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  userId: r.user_id,
  csrfToken: r.csrf_token,
  method: r.method,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  idleExpiresAt: r.idle_expires_at,
})

/** Over a DataSource, or a transaction's EntityManager to take part in it. */
export class UserStore {
  constructor(private readonly db: Db) {}

  async insert(u: UserRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_user (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      u.id,
      u.username,
      u.role,
      u.institutionId,
      u.displayName,
      u.passwordHash,
      u.status,
      u.failedSignIns,
      u.lockedUntil,
      u.createdAt,
      u.updatedAt,
      u.lastSignInAt,
    ])
  }

  async find(id: string): Promise<UserRecord | undefined> {
    const [row] = await sql<UserRow>(this.db, `SELECT ${USER_COLUMNS} FROM cb_user WHERE id = ?`, [id])
    return row && toUser(row)
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const [row] = await sql<UserRow>(this.db, `SELECT ${USER_COLUMNS} FROM cb_user WHERE username = ?`, [username.toLowerCase()])
    return row && toUser(row)
  }

  /** In id order (stable paging), optionally by role or institution. */
  async list(filter: { role?: Role; institutionId?: string; afterId?: string }, limit: number): Promise<UserRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const add = (clause: string, value: unknown) => {
      where.push(clause)
      params.push(value)
    }
    if (filter.role) add('role = ?', filter.role)
    if (filter.institutionId) add('institution_id = ?', filter.institutionId)
    if (filter.afterId) add('id > ?', filter.afterId)
    const rows = await sql<UserRow>(
      this.db,
      `SELECT ${USER_COLUMNS} FROM cb_user${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toUser)
  }

  /** Writes every mutable column of `u` (the caller read it in the same transaction). */
  async update(u: UserRecord): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_user SET username = ?, role = ?, institution_id = ?, display_name = ?, password_hash = ?, status = ?,
         failed_sign_ins = ?, locked_until = ?, updated_at = ?, last_sign_in_at = ? WHERE id = ?`,
      [
        u.username,
        u.role,
        u.institutionId,
        u.displayName,
        u.passwordHash,
        u.status,
        u.failedSignIns,
        u.lockedUntil,
        u.updatedAt,
        u.lastSignInAt,
        u.id,
      ],
    )
  }

  /** One more failed sign-in, counted in the database so that instances share it; the new count. */
  async countFailure(id: string, lockAt: number, lockedUntil: string): Promise<number> {
    await sql(
      this.db,
      `UPDATE cb_user SET failed_sign_ins = failed_sign_ins + 1,
         locked_until = CASE WHEN failed_sign_ins + 1 >= ? THEN ? ELSE locked_until END WHERE id = ?`,
      [lockAt, lockedUntil, id],
    )
    const [row] = await sql<{ n: number | string }>(this.db, 'SELECT failed_sign_ins AS n FROM cb_user WHERE id = ?', [id])
    return Number(row?.n ?? 0)
  }

  async countByRole(role: Role): Promise<number> {
    const [row] = await sql<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM cb_user WHERE role = ? AND status = ?', [
      role,
      'active',
    ])
    return Number(row?.n ?? 0)
  }

  async insertSession(s: SessionRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_session (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      s.id,
      s.tokenHash,
      s.userId,
      s.csrfToken,
      s.method,
      s.createdAt,
      s.expiresAt,
      s.idleExpiresAt,
    ])
  }

  async findSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const [row] = await sql<SessionRow>(this.db, `SELECT ${SESSION_COLUMNS} FROM cb_session WHERE token_hash = ?`, [tokenHash])
    return row && toSession(row)
  }

  async findSessionById(id: string): Promise<SessionRecord | undefined> {
    const [row] = await sql<SessionRow>(this.db, `SELECT ${SESSION_COLUMNS} FROM cb_session WHERE id = ?`, [id])
    return row && toSession(row)
  }

  /** A person's sessions, oldest first (their data export shows the dates). */
  async sessionsOf(userId: string): Promise<SessionRecord[]> {
    const rows = await sql<SessionRow>(this.db, `SELECT ${SESSION_COLUMNS} FROM cb_session WHERE user_id = ? ORDER BY created_at, id`, [
      userId,
    ])
    return rows.map(toSession)
  }

  async touchSession(id: string, idleExpiresAt: string): Promise<void> {
    await sql(this.db, 'UPDATE cb_session SET idle_expires_at = ? WHERE id = ?', [idleExpiresAt, id])
  }

  async deleteSession(id: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_session WHERE id = ?', [id])
  }

  /** Every session of a person (sign out everywhere: password change, disabling, closing an account). */
  async deleteSessionsOf(userId: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_session WHERE user_id = ?', [userId])
  }

  async deleteExpiredSessions(now: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_session WHERE expires_at <= ? OR idle_expires_at <= ?', [now, now])
  }

  async findOidcLink(provider: string, subject: string): Promise<string | undefined> {
    const [row] = await sql<{ user_id: string }>(this.db, 'SELECT user_id FROM cb_oidc_identity WHERE provider = ? AND subject = ?', [
      provider,
      subject,
    ])
    return row?.user_id
  }

  async insertOidcLink(provider: string, subject: string, userId: string, createdAt: string): Promise<void> {
    await sql(this.db, 'INSERT INTO cb_oidc_identity (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)', [
      provider,
      subject,
      userId,
      createdAt,
    ])
  }

  async oidcLinksOf(userId: string): Promise<{ provider: string; subject: string; createdAt: string }[]> {
    const rows = await sql<{ provider: string; subject: string; created_at: string }>(
      this.db,
      'SELECT provider, subject, created_at FROM cb_oidc_identity WHERE user_id = ? ORDER BY created_at',
      [userId],
    )
    return rows.map((r) => ({ provider: r.provider, subject: r.subject, createdAt: r.created_at }))
  }

  async deleteOidcLinksOf(userId: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_oidc_identity WHERE user_id = ?', [userId])
  }
}
