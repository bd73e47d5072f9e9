// Real-name verification (实名认证) use cases: a learner consents to the privacy notice and gives their name and resident
// identity number; the identity verifier confirms them; the number is stored encrypted, found by its keyed hash (one
// person, one account), and shown only masked. Staff reading someone's full number is itself audited.
import { randomUUID } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { normalizePersonName, type IdentityVerifier } from '../../core/identity/identity-verifier.ts'
import type { PersonalDataProtector } from '../../core/identity/personal-data.ts'
import { parseResidentId, residentIdError } from '../../core/identity/resident-id.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import { IdentityStore, identityPurposes, type ConsentRecord, type LearnerIdentityRecord } from './identity-store.ts'
import { CONSENT_PURPOSE, NOTICE_DIGEST, PRIVACY_NOTICE } from './personal-data-notice.ts'

export interface IdentityVerificationInput {
  readonly name: string
  readonly idNumber: string
  /** The notice the learner agreed to; absent: no consent given. */
  readonly consent?: { readonly noticeVersion?: string }
}

/** What answers show of a verified identity: masked only. */
export interface IdentityStatus {
  readonly verified: true
  readonly idNumberMasked: string
  readonly nameMasked: string
  readonly verifier: string
  readonly verifiedAt: string
}

/** A verified identity in the clear: only for its owner (export) and, audited, for reviewers and admins. */
export interface RevealedIdentity {
  readonly userId: string
  readonly name: string
  readonly idNumber: string
  readonly idNumberMasked: string
  readonly verifier: string
  readonly verifiedAt: string
}

/** How long a client waits before asking again when the identity service gave no answer. */
export const IDENTITY_RETRY_AFTER_SECONDS = 60

/** A name for display: its first character, the rest masked (`张**`, `Z*******`). */
export function maskPersonName(name: string): string {
  const chars = [...name]
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1)
}

export const consentJson = (c: ConsentRecord) => ({
  id: c.id,
  purpose: c.purpose,
  noticeVersion: c.noticeVersion,
  noticeDigest: c.noticeDigest,
  grantedAt: c.grantedAt,
  withdrawnAt: c.withdrawnAt,
})

export class LearnerIdentity {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly protector: PersonalDataProtector
  private readonly verifier: IdentityVerifier

  constructor(deps: { ds: DataSource; clock: Clock; protector: PersonalDataProtector; verifier: IdentityVerifier }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.protector = deps.protector
    this.verifier = deps.verifier
  }

  /**
   * Verifies a learner's real name with their consent to the current notice. Order: consent (400 consent_required /
   * notice_outdated), the number itself (400 id_number_*), the account not yet verified (409), the identity verifier
   * (422 identity_mismatch, 503 identity_service_unavailable), then in one transaction: the number not on another
   * account (409 identity_already_registered, also when two accounts race: the unique index decides), the consent, the
   * encrypted identity, the audit entry (masked number only).
   */
  async verify(
    userId: string,
    input: IdentityVerificationInput,
    actor: AuditActor,
  ): Promise<{ identity: IdentityStatus; consent: ConsentRecord }> {
    const agreed = input.consent?.noticeVersion
    if (agreed === undefined)
      throw new AppError(
        'consent_required',
        `agree to the privacy notice first: send consent.noticeVersion "${PRIVACY_NOTICE.version}" (GET /privacy-notice) (请先阅读并同意个人信息处理规则)`,
        { issues: [{ path: '/consent/noticeVersion', message: `required: the version of GET /privacy-notice you agreed to` }] },
      )
    if (agreed !== PRIVACY_NOTICE.version)
      throw new AppError(
        'notice_outdated',
        `the privacy notice you agreed to (${agreed}) is not the current one (${PRIVACY_NOTICE.version}): read GET /privacy-notice and agree again (个人信息处理规则已更新，请重新阅读并同意)`,
        { issues: [{ path: '/consent/noticeVersion', message: `must be ${PRIVACY_NOTICE.version}` }] },
      )
    const parsed = parseResidentId(input.idNumber, this.clock)
    if (!parsed.ok) throw residentIdError(parsed.code)
    const name = normalizePersonName(input.name)
    if (await new IdentityStore(this.ds).findByUser(userId)) throw alreadyVerified()

    // A verifier that fails (throws, rejects) is an identity service without an answer: 503, never a 500.
    const answer = await Promise.resolve()
      .then(() => this.verifier.verify({ name, idNumber: parsed.id.reveal() }))
      .catch(
        (err: unknown) =>
          ({ outcome: 'unavailable', verifier: this.verifier.name, reason: String((err as Error)?.name ?? 'error') }) as const,
      )
    if (answer.outcome === 'unavailable')
      throw new AppError(
        'identity_service_unavailable',
        `the identity service cannot confirm this person now (${answer.reason}); try again later (身份核验服务暂不可用，请稍后再试)`,
        { headers: { 'Retry-After': String(IDENTITY_RETRY_AFTER_SECONDS) } },
      )
    if (answer.outcome === 'mismatch') {
      if (answer.reason !== 'name_mismatch') throw residentIdError(answer.reason)
      throw new AppError(
        'identity_mismatch',
        'the name does not match the resident identity number: check both as they are on the identity card (姓名与身份证号码不一致)',
      )
    }

    const id = answer.id
    const now = this.clock().toISOString()
    const purposes = identityPurposes(userId)
    const consent: ConsentRecord = {
      id: randomUUID(),
      userId,
      purpose: CONSENT_PURPOSE,
      noticeVersion: PRIVACY_NOTICE.version,
      noticeDigest: NOTICE_DIGEST,
      grantedAt: now,
      withdrawnAt: null,
    }
    const identity: LearnerIdentityRecord = {
      userId,
      idHash: this.protector.idNumberHash(id),
      idNumberCipher: this.protector.encryptIdNumber(id, purposes.idNumber),
      nameCipher: this.protector.encrypt(name, purposes.name),
      idNumberMasked: id.masked,
      verifier: answer.verifier,
      verifiedAt: now,
      consentId: consent.id,
    }
    try {
      await transaction(this.ds, async (m) => {
        const store = new IdentityStore(m)
        if (await store.findByUser(userId)) throw alreadyVerified()
        if (await store.findByHash(identity.idHash)) throw alreadyRegistered()
        await store.insertConsent(consent)
        await store.insert(identity)
        await record(m, {
          at: this.clock(),
          actor,
          action: 'consent_granted',
          subject: { type: 'user', id: userId },
          after: consentJson(consent),
        })
        await record(m, {
          at: this.clock(),
          actor,
          action: 'identity_verified',
          subject: { type: 'user', id: userId },
          after: { idNumberMasked: identity.idNumberMasked, verifier: identity.verifier, consentId: consent.id },
        })
      })
    } catch (err) {
      // Two verifications at the same instant: the unique indexes let one in; say which rule the other broke.
      if (isUniqueViolation(err)) throw (await new IdentityStore(this.ds).findByUser(userId)) ? alreadyVerified() : alreadyRegistered()
      throw err
    }
    return { identity: statusOf(identity, name), consent }
  }

  /** The learner's verification, masked; null when not verified. */
  async status(userId: string): Promise<IdentityStatus | null> {
    const identity = await new IdentityStore(this.ds).findByUser(userId)
    return identity ? statusOf(identity, this.protector.decrypt(identity.nameCipher, identityPurposes(userId).name)) : null
  }

  async consents(userId: string): Promise<ConsentRecord[]> {
    return new IdentityStore(this.ds).consentsOf(userId)
  }

  /** The learner's keyed identity hash once real-name verified (their outcomes are held under it), else null. */
  verifiedIdHash(userId: string): Promise<string | null> {
    return new IdentityStore(this.ds).idHashOf(userId)
  }

  /** The learner's own identity in the clear (their data export); null when not verified. */
  async revealOwn(userId: string): Promise<RevealedIdentity | null> {
    const identity = await new IdentityStore(this.ds).findByUser(userId)
    return identity ? this.reveal(identity) : null
  }

  /**
   * A reviewer's or admin's read of a learner's full identity number: the read is audited ('identity_number_read', the
   * reader as actor, the learner as subject) in a transaction that commits before the number is handed out, so no read
   * goes unrecorded. 404 when the account has no verified identity (that is not audited: nothing was read).
   */
  async readForStaff(userId: string, reader: AuditActor): Promise<RevealedIdentity> {
    return transaction(this.ds, async (m) => {
      const identity = await new IdentityStore(m).findByUser(userId)
      if (!identity) throw new AppError('not_found', `account ${userId} has no verified identity (该账户未实名认证)`)
      const revealed = this.reveal(identity)
      await record(m, {
        at: this.clock(),
        actor: reader,
        action: 'identity_number_read',
        subject: { type: 'user', id: userId },
        after: { idNumberMasked: identity.idNumberMasked },
      })
      return revealed
    })
  }

  private reveal(identity: LearnerIdentityRecord): RevealedIdentity {
    const purposes = identityPurposes(identity.userId)
    return {
      userId: identity.userId,
      name: this.protector.decrypt(identity.nameCipher, purposes.name),
      idNumber: this.protector.decrypt(identity.idNumberCipher, purposes.idNumber),
      idNumberMasked: identity.idNumberMasked,
      verifier: identity.verifier,
      verifiedAt: identity.verifiedAt,
    }
  }
}

const statusOf = (identity: LearnerIdentityRecord, name: string): IdentityStatus => ({
  verified: true,
  idNumberMasked: identity.idNumberMasked,
  nameMasked: maskPersonName(name),
  verifier: identity.verifier,
  verifiedAt: identity.verifiedAt,
})

const alreadyVerified = () =>
  new AppError('identity_already_verified', 'this account has already passed real-name verification (该账户已完成实名认证)')

const alreadyRegistered = () =>
  new AppError(
    'identity_already_registered',
    'another account is already verified with this identity number: one person, one account; sign in to that account or contact the bank (该身份证号码已绑定其他账户)',
  )
