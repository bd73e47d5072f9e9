// Individual deposits (个人存入, issue 7 item 6): a learner's own submission of a learning outcome with evidence files.
// The outcome (cb_learning_outcome, recognition's) holds the state; a deposit row says whose it is and what they sent.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class Deposits1796800000000 implements MigrationInterface {
  name = 'Deposits1796800000000'

  async up(q: QueryRunner): Promise<void> {
    // submission: the learner's JSON as accepted (catalogueEntryId or claim, result, awardedDate). No state column: the
    // outcome's state is the truth; withdrawn_at only notes when the learner withdrew it.
    await q.query(`CREATE TABLE cb_deposit (
      id varchar(64) PRIMARY KEY,
      user_id varchar(64) NOT NULL REFERENCES cb_user (id),
      outcome_id varchar(64) NOT NULL REFERENCES cb_learning_outcome (id),
      submission text NOT NULL,
      created_at varchar(32) NOT NULL,
      withdrawn_at varchar(32))`)
    await q.query('CREATE UNIQUE INDEX cb_deposit_outcome ON cb_deposit (outcome_id)')
    // A learner's deposits, newest first.
    await q.query('CREATE INDEX cb_deposit_user ON cb_deposit (user_id, created_at, id)')
    // One row per evidence file of a deposit; the content lives at <dataDir>/evidence/ab/cd/<sha256>, shared by every
    // deposit that sent the same bytes. media_type is what the content is (sniffed), never what the client said.
    await q.query(`CREATE TABLE cb_evidence (
      deposit_id varchar(64) NOT NULL REFERENCES cb_deposit (id),
      sha256 varchar(64) NOT NULL,
      media_type varchar(32) NOT NULL,
      size integer NOT NULL,
      original_name varchar(255) NOT NULL,
      position integer NOT NULL,
      created_at varchar(32) NOT NULL,
      PRIMARY KEY (deposit_id, sha256))`)
    await q.query('CREATE INDEX cb_evidence_sha256 ON cb_evidence (sha256)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_evidence')
    await q.query('DROP TABLE cb_deposit')
  }
}
