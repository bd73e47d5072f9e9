// Real-name verification and consent (issue 7 items 2 and 7): a learner's verified identity (the number encrypted, found
// by its keyed hash: one person, one account) and the consents they gave to the privacy notice (个人信息处理规则).
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class IdentityAndConsent1796900000000 implements MigrationInterface {
  name = 'IdentityAndConsent1796900000000'

  async up(q: QueryRunner): Promise<void> {
    // A consent: what the learner agreed to (purpose), which notice (version and the SHA-256 of its text), when, and
    // when it was withdrawn (closing the account withdraws it). No personal data in it; kept after an account closes as
    // the record that the processing was lawful (PIPL art. 14, 15).
    await q.query(`CREATE TABLE cb_consent (
      id varchar(64) PRIMARY KEY,
      user_id varchar(64) NOT NULL REFERENCES cb_user (id),
      purpose varchar(64) NOT NULL,
      notice_version varchar(32) NOT NULL,
      notice_digest varchar(64) NOT NULL,
      granted_at varchar(32) NOT NULL,
      withdrawn_at varchar(32))`)
    await q.query('CREATE INDEX cb_consent_user ON cb_consent (user_id)')
    // One row per verified learner. id_hash is the keyed look-up hash of the number (PersonalDataProtector.idNumberHash):
    // UNIQUE, so two accounts can never hold the same number, even when both verify at the same instant. The number and
    // the name are AES-256-GCM envelopes bound to this row; only the masked number is kept in the clear, for display.
    // Closing the account deletes the row (issuer/accounts/personal-data-notice.ts says why the hash is not kept).
    await q.query(`CREATE TABLE cb_learner_identity (
      user_id varchar(64) PRIMARY KEY REFERENCES cb_user (id),
      id_hash varchar(64) NOT NULL UNIQUE,
      id_number_cipher varchar(200) NOT NULL,
      name_cipher varchar(1000) NOT NULL,
      id_number_masked varchar(18) NOT NULL,
      verifier varchar(100) NOT NULL,
      verified_at varchar(32) NOT NULL,
      consent_id varchar(64) NOT NULL REFERENCES cb_consent (id))`)
    // A learner's export lists the audit entries about them (as actor or as subject).
    await q.query('CREATE INDEX cb_audit_actor ON cb_audit (actor_type, actor_id)')
    await q.query('CREATE INDEX cb_audit_subject ON cb_audit (subject_type, subject_id)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX cb_audit_subject')
    await q.query('DROP INDEX cb_audit_actor')
    await q.query('DROP TABLE cb_learner_identity')
    await q.query('DROP TABLE cb_consent')
  }
}
