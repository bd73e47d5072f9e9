// The audit trail: who changed what and when, one SHA-256 hash chain appended inside the transaction of the change.
import { createHash } from 'node:crypto'
import type { EntityManager } from 'typeorm'
import { canonicalJson } from '../../core/credentials/jcs.ts'
import type { Db } from '../../core/store/sql.ts'
import { AUDIT_GENESIS_HASH } from '../../core/store/migrations/1796400000000-audit-trail.ts'
import { AuditStore, type AuditRecord } from './audit-store.ts'

export { AUDIT_GENESIS_HASH }

export const ACTOR_TYPES = ['api_client', 'user', 'system'] as const
export type ActorType = (typeof ACTOR_TYPES)[number]

/** Who acted: an API client (by id, and name where known), a person's account (later), or the bank itself. */
export interface AuditActor {
  readonly type: ActorType
  readonly id: string
  readonly name?: string
}

/** What was acted on. */
export interface AuditSubject {
  readonly type: string
  readonly id: string
}

/** Stable snake_case names; other capabilities add theirs (a plain snake_case string is accepted). */
export type AuditAction =
  'credential_issued' | 'credential_status_changed' | 'api_client_created' | 'api_client_revoked' | (string & Record<never, never>)

export interface AuditEntry {
  readonly at: Date
  readonly actor: AuditActor
  readonly action: AuditAction
  readonly subject: AuditSubject
  /** The state before and after (JSON); personal data is masked before it is stored ({@link maskPersonalData}). */
  readonly before?: unknown
  readonly after?: unknown
}

/** The bank's own use cases (recognition, reports, demo data), when no API client asked. */
export const BANK_ACTOR: AuditActor = { type: 'system', id: 'bank' }
/** An operator at the `credit-bank` command line. */
export const CLI_ACTOR: AuditActor = { type: 'system', id: 'cli' }

/** The actor of an API client's request; the bank itself when there is no client. */
export const clientActor = (clientId: string | null, name?: string): AuditActor =>
  clientId === null ? BANK_ACTOR : { type: 'api_client', id: clientId, ...(name === undefined ? {} : { name }) }

/**
 * Members whose values are a person's data: masked wherever they occur in `before`/`after`, at any depth. Today's
 * actions carry none; the accounts and imports capabilities will. Extend the list here, never log or store them raw.
 */
export const PERSONAL_DATA_KEYS: ReadonlySet<string> = new Set([
  'personName',
  // An account's display name is often the person's real name (李华); the chain outlives a closed account.
  'displayName',
  'fullName',
  'givenName',
  'familyName',
  'idNumber',
  'idCardNumber',
  'nationalId',
  'passportNumber',
  'phone',
  'mobile',
  'email',
  'birthDate',
  'dateOfBirth',
  'address',
])

export const MASK = '[masked]'

/**
 * The masking hook: `value` with every member named in `keys` replaced by {@link MASK}. Parts that hold nothing to
 * mask are `value`'s own, not copies: an import's audit entry lists two thousand credentials, none of them personal.
 */
export function maskPersonalData(value: unknown, keys: ReadonlySet<string> = PERSONAL_DATA_KEYS): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const masked = maskPersonalData(value[i], keys)
      if (masked !== value[i]) (copy ??= value.slice())[i] = masked
    }
    return copy ?? value
  }
  const object = value as Record<string, unknown>
  let copy: Record<string, unknown> | undefined
  for (const k of Object.keys(object)) {
    const masked = keys.has(k) ? MASK : maskPersonalData(object[k], keys)
    // defineProperty: a member named __proto__ stays a member (an assignment would set the copy's prototype).
    if (masked !== object[k])
      Object.defineProperty((copy ??= { ...object }), k, { value: masked, enumerable: true, writable: true, configurable: true })
  }
  return copy ?? value
}

const ACTION = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/

/** The hash of an entry: SHA-256 (hex) over the RFC 8785 canonical JSON of every column but `hash`, prev_hash included. */
export function auditHash(r: Omit<AuditRecord, 'hash'>): string {
  const material = {
    seq: r.seq,
    at: r.at,
    actor: { type: r.actorType, id: r.actorId, name: r.actorName },
    action: r.action,
    subject: { type: r.subjectType, id: r.subjectId },
    before: r.before,
    after: r.after,
    prevHash: r.prevHash,
  }
  return createHash('sha256').update(canonicalJson(material)).digest('hex')
}

/**
 * Appends `entry` inside the caller's transaction `m`, so the change and its entry commit (or roll back) together.
 * Appends are serialized on the chain's head row (FOR UPDATE on PostgreSQL; SQLite write transactions are exclusive),
 * and seq is the primary key, so two instances never fork the chain.
 */
export function record(m: EntityManager, entry: AuditEntry): Promise<void> {
  return recordMany(m, [entry])
}

/** {@link record} for several entries (a batch's credentials): one head lock, multi-row inserts, in order. */
export async function recordMany(m: EntityManager, entries: readonly AuditEntry[]): Promise<void> {
  if (!entries.length) return
  const store = new AuditStore(m)
  const head = await store.head({ lock: true })
  let prevHash = head.hash
  const records = entries.map((e, i): AuditRecord => {
    if (!ACTION.test(e.action)) throw new TypeError(`audit action must be snake_case: ${e.action}`)
    if (!ACTOR_TYPES.includes(e.actor.type)) throw new TypeError(`unknown audit actor type: ${e.actor.type}`)
    const unhashed = {
      seq: head.seq + i + 1,
      at: e.at.toISOString(),
      actorType: e.actor.type,
      actorId: e.actor.id,
      actorName: e.actor.name ?? null,
      action: e.action,
      subjectType: e.subject.type,
      subjectId: e.subject.id,
      before: e.before === undefined ? null : canonicalJson(maskPersonalData(e.before)),
      after: e.after === undefined ? null : canonicalJson(maskPersonalData(e.after)),
      prevHash,
    }
    prevHash = auditHash(unhashed)
    return { ...unhashed, hash: prevHash }
  })
  await store.append(records)
}

/** An entry as `GET /audit` shows it. */
export interface AuditView {
  readonly seq: number
  readonly at: string
  readonly actor: AuditActor
  readonly action: string
  readonly subject: AuditSubject
  readonly before: unknown
  readonly after: unknown
  readonly prevHash: string
  readonly hash: string
}

const toView = (r: AuditRecord): AuditView => ({
  seq: r.seq,
  at: r.at,
  actor: { type: r.actorType as ActorType, id: r.actorId, ...(r.actorName === null ? {} : { name: r.actorName }) },
  action: r.action,
  subject: { type: r.subjectType, id: r.subjectId },
  before: r.before === null ? null : (JSON.parse(r.before) as unknown),
  after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  prevHash: r.prevHash,
  hash: r.hash,
})

/** Up to `limit` entries after seq `after`, in chain order, and the `after` of the next page (null at the end). */
export async function listAudit(db: Db, after: number, limit: number): Promise<{ entries: AuditView[]; next: number | null }> {
  const records = await new AuditStore(db).page(after, limit + 1)
  const entries = records.slice(0, limit).map(toView)
  return { entries, next: records.length > limit ? entries[entries.length - 1]!.seq : null }
}

/** The entries a person made or that are about them (actor or subject `{type: 'user', id}`), paged like {@link listAudit}. */
export async function listAuditAbout(
  db: Db,
  party: { type: 'user'; id: string },
  after: number,
  limit: number,
): Promise<{ entries: AuditView[]; next: number | null }> {
  const records = await new AuditStore(db).about(party, after, limit + 1)
  const entries = records.slice(0, limit).map(toView)
  return { entries, next: records.length > limit ? entries[entries.length - 1]!.seq : null }
}

export type AuditBreak = 'hash_mismatch' | 'prev_hash_mismatch' | 'gap' | 'head_mismatch'

export type AuditVerification =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly count: number; readonly seq: number; readonly reason: AuditBreak; readonly message: string }

/**
 * Walks the chain from the first entry up to the head as it was when the walk began (appends may go on meanwhile) and
 * names the first broken entry: a seq missing (`gap`, a deleted row), a prev_hash that is not the previous entry's
 * hash, a hash that is not the entry's own (`hash_mismatch`: some column was edited), or a head that the last entry
 * does not match (`head_mismatch`). `count` is how many entries were found intact before it.
 */
export async function verifyAuditTrail(db: Db, pageSize = 1000): Promise<AuditVerification> {
  const store = new AuditStore(db)
  const head = await store.head()
  let expected = 1
  let prevHash = AUDIT_GENESIS_HASH
  const broken = (seq: number, reason: AuditBreak, message: string): AuditVerification => ({
    ok: false,
    count: expected - 1,
    seq,
    reason,
    message,
  })
  while (expected <= head.seq) {
    const page = (await store.page(expected - 1, pageSize)).filter((r) => r.seq <= head.seq)
    if (!page.length) break
    for (const r of page) {
      if (r.seq !== expected) return broken(expected, 'gap', `entry ${expected} is missing (the next stored entry is ${r.seq})`)
      if (r.prevHash !== prevHash) return broken(r.seq, 'prev_hash_mismatch', `entry ${r.seq} does not name entry ${r.seq - 1}'s hash`)
      const { hash, ...unhashed } = r
      if (auditHash(unhashed) !== hash) return broken(r.seq, 'hash_mismatch', `entry ${r.seq} was changed after it was written`)
      prevHash = hash
      expected++
    }
  }
  if (expected <= head.seq) return broken(expected, 'gap', `entries ${expected} to ${head.seq} are missing`)
  if (prevHash !== head.hash) return broken(head.seq, 'head_mismatch', `the chain's head does not match entry ${head.seq}`)
  return { ok: true, count: head.seq }
}
