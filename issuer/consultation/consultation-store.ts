// The only SQL over cb_consultation_thread and cb_consultation_message: learners' question threads and their messages.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'

export const AUTHOR_ROLES = ['learner', 'staff', 'reviewer', 'admin'] as const
export type AuthorRole = (typeof AUTHOR_ROLES)[number]
export const MESSAGE_LANGUAGES = ['zh', 'en'] as const
export type MessageLanguage = (typeof MESSAGE_LANGUAGES)[number]

export interface ThreadRecord {
  readonly id: string
  readonly learnerUserId: string
  readonly subject: string
  readonly outcomeId: string | null
  readonly ruleId: string | null
  readonly reportNumber: string | null
  /** The institution concerned: its staff may read and answer. */
  readonly institutionId: string | null
  readonly messageCount: number
  readonly createdAt: string
  readonly updatedAt: string
}

export interface MessageRecord {
  readonly id: string
  readonly threadId: string
  readonly position: number
  readonly authorUserId: string
  readonly authorRole: AuthorRole
  readonly body: string
  readonly language: MessageLanguage | null
  readonly createdAt: string
}

/** Which threads a list shows: a learner's, an institution's, or all. */
export type ThreadScope = { readonly learnerUserId: string } | { readonly institutionId: string } | 'all'

export interface ThreadPosition {
  readonly updatedAt: string
  readonly id: string
}

interface ThreadRow {
  id: string
  learner_user_id: string
  subject: string
  outcome_id: string | null
  rule_id: string | null
  report_number: string | null
  institution_id: string | null
  message_count: number | string
  created_at: string
  updated_at: string
}

interface MessageRow {
  id: string
  thread_id: string
  position: number | string
  author_user_id: string
  author_role: string
  body: string
  language: string | null
  created_at: string
}

const THREAD_COLUMNS =
  'id, learner_user_id, subject, outcome_id, rule_id, report_number, institution_id, message_count, created_at, updated_at'
const MESSAGE_COLUMNS = 'id, thread_id, position, author_user_id, author_role, body, language, created_at'

const toThread = (r: ThreadRow): ThreadRecord => ({
  id: r.id,
  learnerUserId: r.learner_user_id,
  subject: r.subject,
  outcomeId: r.outcome_id ?? null,
  ruleId: r.rule_id ?? null,
  reportNumber: r.report_number ?? null,
  institutionId: r.institution_id ?? null,
  messageCount: Number(r.message_count),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toMessage = (r: MessageRow): MessageRecord => ({
  id: r.id,
  threadId: r.thread_id,
  position: Number(r.position),
  authorUserId: r.author_user_id,
  authorRole: r.author_role as AuthorRole,
  body: r.body,
  language: (r.language ?? null) as MessageLanguage | null,
  createdAt: r.created_at,
})

export class ConsultationStore {
  constructor(private readonly db: Db) {}

  async insertThread(t: ThreadRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_consultation_thread (${THREAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      t.id,
      t.learnerUserId,
      t.subject,
      t.outcomeId,
      t.ruleId,
      t.reportNumber,
      t.institutionId,
      t.messageCount,
      t.createdAt,
      t.updatedAt,
    ])
  }

  /** `lock` holds the row for the caller's transaction (PostgreSQL). */
  async findThread(id: string, opts: { lock?: boolean } = {}): Promise<ThreadRecord | undefined> {
    const [row] = await sql<ThreadRow>(
      this.db,
      `SELECT ${THREAD_COLUMNS} FROM cb_consultation_thread WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [id],
    )
    return row && toThread(row)
  }

  async touchThread(id: string, messageCount: number, updatedAt: string): Promise<void> {
    await sql(this.db, 'UPDATE cb_consultation_thread SET message_count = ?, updated_at = ? WHERE id = ?', [messageCount, updatedAt, id])
  }

  /** Threads in `scope`, newest activity first, strictly after `after` in (updated_at, id) descending order. */
  async listThreads(scope: ThreadScope, after: ThreadPosition | undefined, limit: number): Promise<ThreadRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (scope !== 'all' && 'learnerUserId' in scope) {
      where.push('learner_user_id = ?')
      params.push(scope.learnerUserId)
    } else if (scope !== 'all') {
      where.push('institution_id = ?')
      params.push(scope.institutionId)
    }
    if (after) {
      where.push('(updated_at < ? OR (updated_at = ? AND id < ?))')
      params.push(after.updatedAt, after.updatedAt, after.id)
    }
    const rows = await sql<ThreadRow>(
      this.db,
      `SELECT ${THREAD_COLUMNS} FROM cb_consultation_thread${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY updated_at DESC, id DESC LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toThread)
  }

  /** A message's position taken is a unique violation. */
  async insertMessage(m: MessageRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_consultation_message (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      m.id,
      m.threadId,
      m.position,
      m.authorUserId,
      m.authorRole,
      m.body,
      m.language,
      m.createdAt,
    ])
  }

  /** Threads of a learner's account, oldest first (their data export). */
  async threadsOfLearner(learnerUserId: string): Promise<ThreadRecord[]> {
    const rows = await sql<ThreadRow>(
      this.db,
      `SELECT ${THREAD_COLUMNS} FROM cb_consultation_thread WHERE learner_user_id = ? ORDER BY created_at, id`,
      [learnerUserId],
    )
    return rows.map(toThread)
  }

  /** Replaces the subject and every message text of a learner's threads with `replacement`; how many texts it replaced. */
  async eraseTextsOfLearner(learnerUserId: string, replacement: string): Promise<{ threads: number; messages: number }> {
    const threads = await this.threadsOfLearner(learnerUserId)
    let messages = 0
    for (const t of threads) {
      messages += (await this.messagesOf(t.id)).filter((m) => m.body !== replacement).length
      await sql(this.db, 'UPDATE cb_consultation_message SET body = ? WHERE thread_id = ?', [replacement, t.id])
    }
    await sql(this.db, 'UPDATE cb_consultation_thread SET subject = ? WHERE learner_user_id = ?', [replacement, learnerUserId])
    return { threads: threads.length, messages }
  }

  /** A thread's messages in order. */
  async messagesOf(threadId: string): Promise<MessageRecord[]> {
    const rows = await sql<MessageRow>(
      this.db,
      `SELECT ${MESSAGE_COLUMNS} FROM cb_consultation_message WHERE thread_id = ? ORDER BY position`,
      [threadId],
    )
    return rows.map(toMessage)
  }
}
