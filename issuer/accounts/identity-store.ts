// The only SQL over cb_learner_identity and cb_consent: learners' verified identities (encrypted, found by keyed hash)
// and the consents they gave to the privacy notice.
import { sql, type Db } from '../../core/store/sql.ts'

export interface LearnerIdentityRecord {
  readonly userId: string
  /** Keyed look-up hash of the resident identity number (unique: one person, one account). */
  readonly idHash: string
  /** AES-256-GCM envelope of the number, bound to this row (`identityPurposes`). */
  readonly idNumberCipher: string
  readonly nameCipher: string
  readonly idNumberMasked: string
  readonly verifier: string
  readonly verifiedAt: string
  readonly consentId: string
}

export interface ConsentRecord {
  readonly id: string
  readonly userId: string
  readonly purpose: string
  readonly noticeVersion: string
  readonly noticeDigest: string
  readonly grantedAt: string
  readonly withdrawnAt: string | null
}

interface IdentityRow {
  user_id: string
  id_hash: string
  id_number_cipher: string
  name_cipher: string
  id_number_masked: string
  verifier: string
  verified_at: string
  consent_id: string
}

interface ConsentRow {
  id: string
  user_id: string
  purpose: string
  notice_version: string
  notice_digest: string
  granted_at: string
  withdrawn_at: string | null
}

const IDENTITY_COLUMNS = 'user_id, id_hash, id_number_cipher, name_cipher, id_number_masked, verifier, verified_at, consent_id'
const CONSENT_COLUMNS = 'id, user_id, purpose, notice_version, notice_digest, granted_at, withdrawn_at'

const toIdentity = (r: IdentityRow): LearnerIdentityRecord => ({
  userId: r.user_id,
  idHash: r.id_hash,
  idNumberCipher: r.id_number_cipher,
  nameCipher: r.name_cipher,
  idNumberMasked: r.id_number_masked,
  verifier: r.verifier,
  verifiedAt: r.verified_at,
  consentId: r.consent_id,
})

const toConsent = (r: ConsentRow): ConsentRecord => ({
  id: r.id,
  userId: r.user_id,
  purpose: r.purpose,
  noticeVersion: r.notice_version,
  noticeDigest: r.notice_digest,
  grantedAt: r.granted_at,
  withdrawnAt: r.withdrawn_at ?? null,
})

/** The encryption purposes (AES-GCM associated data) of one learner's row: an envelope copied to another row does not open. */
export const identityPurposes = (userId: string) => ({
  idNumber: `cb_learner_identity.id_number:${userId}`,
  name: `cb_learner_identity.name:${userId}`,
})

/** Over a DataSource, or a transaction's EntityManager to take part in it. */
export class IdentityStore {
  constructor(private readonly db: Db) {}

  async findByUser(userId: string): Promise<LearnerIdentityRecord | undefined> {
    const [row] = await sql<IdentityRow>(this.db, `SELECT ${IDENTITY_COLUMNS} FROM cb_learner_identity WHERE user_id = ?`, [userId])
    return row && toIdentity(row)
  }

  async findByHash(idHash: string): Promise<LearnerIdentityRecord | undefined> {
    const [row] = await sql<IdentityRow>(this.db, `SELECT ${IDENTITY_COLUMNS} FROM cb_learner_identity WHERE id_hash = ?`, [idHash])
    return row && toIdentity(row)
  }

  /** The keyed hash alone (the recognition capability's look-up of a learner's outcomes). */
  async idHashOf(userId: string): Promise<string | null> {
    const [row] = await sql<{ id_hash: string }>(this.db, 'SELECT id_hash FROM cb_learner_identity WHERE user_id = ?', [userId])
    return row?.id_hash ?? null
  }

  /** Fails with a unique violation when the account or the number is already verified (the race's last word). */
  async insert(r: LearnerIdentityRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_learner_identity (${IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      r.userId,
      r.idHash,
      r.idNumberCipher,
      r.nameCipher,
      r.idNumberMasked,
      r.verifier,
      r.verifiedAt,
      r.consentId,
    ])
  }

  /** Erases a learner's identity: the number's envelope, the name's and the keyed hash go with the row. */
  async delete(userId: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_learner_identity WHERE user_id = ?', [userId])
  }

  async insertConsent(c: ConsentRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_consent (${CONSENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      c.id,
      c.userId,
      c.purpose,
      c.noticeVersion,
      c.noticeDigest,
      c.grantedAt,
      c.withdrawnAt,
    ])
  }

  /** A learner's consents, oldest first. */
  async consentsOf(userId: string): Promise<ConsentRecord[]> {
    const rows = await sql<ConsentRow>(this.db, `SELECT ${CONSENT_COLUMNS} FROM cb_consent WHERE user_id = ? ORDER BY granted_at, id`, [
      userId,
    ])
    return rows.map(toConsent)
  }

  /** Withdraws every consent still in force; how many were. */
  async withdrawConsents(userId: string, at: string): Promise<number> {
    const open = await sql<{ id: string }>(this.db, 'SELECT id FROM cb_consent WHERE user_id = ? AND withdrawn_at IS NULL', [userId])
    if (open.length) await sql(this.db, 'UPDATE cb_consent SET withdrawn_at = ? WHERE user_id = ? AND withdrawn_at IS NULL', [at, userId])
    return open.length
  }
}
