// Institution batch imports (issue 7 item 5): one row per import job (its file, its lease, its cursor and counts) and
// the rejected rows of each job, for the downloadable error report.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class ImportJobs1796700000000 implements MigrationInterface {
  name = 'ImportJobs1796700000000'

  async up(q: QueryRunner): Promise<void> {
    // rows_done is the cursor: data rows fully committed (their outcomes, credentials, error rows and these counts in
    // one transaction). byte_offset is where the reader was when that chunk committed (progress only). A job is worked
    // by whoever holds its lease (lease_owner until lease_until), taken with a conditional UPDATE; an expired lease is
    // taken over. created_by is the audit actor (JSON) the job acts for.
    await q.query(`CREATE TABLE cb_import_job (
      id varchar(64) PRIMARY KEY,
      institution_id varchar(64) NOT NULL REFERENCES cb_institution (id),
      format varchar(8) NOT NULL,
      file_path varchar(1000) NOT NULL,
      file_sha256 varchar(64) NOT NULL,
      file_size bigint NOT NULL,
      state varchar(16) NOT NULL,
      rows_done integer NOT NULL DEFAULT 0,
      byte_offset bigint NOT NULL DEFAULT 0,
      rows_total integer NOT NULL DEFAULT 0,
      imported integer NOT NULL DEFAULT 0,
      duplicates integer NOT NULL DEFAULT 0,
      rejected integer NOT NULL DEFAULT 0,
      to_review integer NOT NULL DEFAULT 0,
      lease_owner varchar(200),
      lease_until varchar(32),
      created_by text NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL,
      finished_at varchar(32),
      error text)`)
    await q.query('CREATE INDEX cb_import_job_institution ON cb_import_job (institution_id, created_at, id)')
    await q.query('CREATE INDEX cb_import_job_state ON cb_import_job (state)')
    await q.query('CREATE INDEX cb_import_job_file ON cb_import_job (institution_id, file_sha256)')
    // One row per rejected cell (column '' when the whole row is refused, e.g. a CSV row with the wrong field count).
    await q.query(`CREATE TABLE cb_import_error (
      job_id varchar(64) NOT NULL REFERENCES cb_import_job (id),
      row_number integer NOT NULL,
      column_name varchar(64) NOT NULL,
      code varchar(64) NOT NULL,
      message_zh text NOT NULL,
      message_en text NOT NULL,
      PRIMARY KEY (job_id, row_number, column_name))`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_import_error')
    await q.query('DROP TABLE cb_import_job')
  }
}
