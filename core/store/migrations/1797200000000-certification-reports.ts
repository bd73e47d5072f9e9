// Certification reports (学习成果认证报告, issue 8 item 3): one row per report number, the credential the bank signed for
// it (in cb_credential, the credentials capability's), and what its PDF and page show, as of when it was issued.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class CertificationReports1797200000000 implements MigrationInterface {
  name = 'CertificationReports1797200000000'

  async up(q: QueryRunner): Promise<void> {
    // number: CB-XXXX-XXXX-XXXX-XXXX as printed (the public lookup's key). id_hash: the learner's keyed identity hash
    // (their outcomes are held under it); user_id: the account that asked. outcome_ids, covered_credential_ids: JSON
    // arrays. details: JSON of what the PDF and page show (names, institutions, dates, credits, the masked identity
    // number, never the number itself). replaced_by: the report that reissued this one.
    await q.query(`CREATE TABLE cb_certification_report (
      number varchar(32) PRIMARY KEY,
      id_hash varchar(128) NOT NULL,
      user_id varchar(64) NOT NULL,
      credential_id varchar(512) NOT NULL,
      outcome_ids text NOT NULL,
      covered_credential_ids text NOT NULL,
      details text NOT NULL,
      created_at varchar(32) NOT NULL,
      revoked_at varchar(32),
      revoked_by varchar(200),
      replaced_by varchar(32))`)
    await q.query('CREATE INDEX cb_certification_report_learner ON cb_certification_report (id_hash, created_at, number)')
    await q.query('CREATE UNIQUE INDEX cb_certification_report_credential ON cb_certification_report (credential_id)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_certification_report')
  }
}
