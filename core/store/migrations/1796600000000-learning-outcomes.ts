// Learning outcomes (issue 7 items 5 and 6): one learner's record of one achievement, imported by an institution or
// deposited by the learner, and where recognition (认定) stands with it.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class LearningOutcomes1796600000000 implements MigrationInterface {
  name = 'LearningOutcomes1796600000000'

  async up(q: QueryRunner): Promise<void> {
    // The learner is the keyed hash of their resident identity number (id_hash), never an account and never the number.
    // credits_centi: hundredths of a credit. Dates are YYYY-MM-DD; instants ISO 8601.
    await q.query(`CREATE TABLE cb_learning_outcome (
      id varchar(64) PRIMARY KEY,
      source varchar(8) NOT NULL,
      institution_id varchar(64) REFERENCES cb_institution (id),
      record_key varchar(200),
      import_job_id varchar(64),
      deposit_id varchar(64),
      id_hash varchar(64) NOT NULL,
      identity_object text NOT NULL,
      catalogue_entry_id varchar(64) REFERENCES cb_catalogue_entry (id),
      claim text,
      credits_centi integer NOT NULL,
      result varchar(100),
      awarded_date varchar(10) NOT NULL,
      term varchar(64),
      activity_start_date varchar(10),
      activity_end_date varchar(10),
      state varchar(16) NOT NULL,
      reason_zh text,
      reason_en text,
      referred_by varchar(200),
      referred_at varchar(32),
      decided_by varchar(200),
      decided_at varchar(32),
      credential_id varchar(512),
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    // Idempotent imports: an institution's record key names one outcome (deposits have none; NULLs never collide).
    await q.query('CREATE UNIQUE INDEX cb_learning_outcome_record ON cb_learning_outcome (institution_id, record_key)')
    await q.query('CREATE UNIQUE INDEX cb_learning_outcome_deposit ON cb_learning_outcome (deposit_id)')
    await q.query('CREATE INDEX cb_learning_outcome_job ON cb_learning_outcome (import_job_id)')
    // A learner's outcomes, newest first; the recognition queue, oldest first.
    await q.query('CREATE INDEX cb_learning_outcome_learner ON cb_learning_outcome (id_hash, created_at, id)')
    await q.query('CREATE INDEX cb_learning_outcome_queue ON cb_learning_outcome (state, created_at, id)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_learning_outcome')
  }
}
