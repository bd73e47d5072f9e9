// Consultation (学习咨询, issue 8 item 4): a learner's question threads, optionally about one of their outcomes, a rule or
// a report, answered by staff of the institution concerned or by the bank's reviewers and admins.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class Consultation1797300000000 implements MigrationInterface {
  name = 'Consultation1797300000000'

  async up(q: QueryRunner): Promise<void> {
    // institution_id: the institution concerned (the outcome's, or the conversion rule's target), whose staff may read
    // and answer; null: only the bank's reviewers and admins. updated_at moves with each message (lists: newest first).
    await q.query(`CREATE TABLE cb_consultation_thread (
      id varchar(64) PRIMARY KEY,
      learner_user_id varchar(64) NOT NULL REFERENCES cb_user (id),
      subject varchar(200) NOT NULL,
      outcome_id varchar(64),
      rule_id varchar(64),
      report_number varchar(40),
      institution_id varchar(64),
      message_count integer NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_consultation_thread_learner ON cb_consultation_thread (learner_user_id, updated_at, id)')
    await q.query('CREATE INDEX cb_consultation_thread_institution ON cb_consultation_thread (institution_id, updated_at, id)')
    await q.query('CREATE INDEX cb_consultation_thread_updated ON cb_consultation_thread (updated_at, id)')
    // position: 1, 2, … within the thread (unique: two messages at once get distinct places, one transaction re-run).
    await q.query(`CREATE TABLE cb_consultation_message (
      id varchar(64) PRIMARY KEY,
      thread_id varchar(64) NOT NULL REFERENCES cb_consultation_thread (id),
      position integer NOT NULL,
      author_user_id varchar(64) NOT NULL,
      author_role varchar(16) NOT NULL,
      body text NOT NULL,
      language varchar(2),
      created_at varchar(32) NOT NULL)`)
    await q.query('CREATE UNIQUE INDEX cb_consultation_message_position ON cb_consultation_message (thread_id, position)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_consultation_message')
    await q.query('DROP TABLE cb_consultation_thread')
  }
}
