// Verifier tables: single-use presentation challenges and rate-limit windows (the verifier never reads issuer tables).
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class CreateVerifierTables1732900000001 implements MigrationInterface {
  name = 'CreateVerifierTables1732900000001'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE cb_challenge (
      id varchar(128) PRIMARY KEY,
      domain varchar(512),
      expires_at varchar(32) NOT NULL,
      used_at varchar(32))`)
    await q.query(`CREATE TABLE cb_verifier_rate_limit (
      bucket varchar(255) NOT NULL,
      window_start integer NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (bucket, window_start))`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_verifier_rate_limit')
    await q.query('DROP TABLE cb_challenge')
  }
}
