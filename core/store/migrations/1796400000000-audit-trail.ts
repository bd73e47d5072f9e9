// The audit trail (issue 7 item 8): one hash chain of who changed what, and its head row, which appends lock.
import type { MigrationInterface, QueryRunner } from 'typeorm'

/** prev_hash of the first entry: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

export class AuditTrail1796400000000 implements MigrationInterface {
  name = 'AuditTrail1796400000000'

  async up(q: QueryRunner): Promise<void> {
    // seq is the primary key: two appends that would fork the chain collide on it even if the head lock were bypassed.
    await q.query(`CREATE TABLE cb_audit (
      seq bigint PRIMARY KEY,
      at varchar(32) NOT NULL,
      actor_type varchar(16) NOT NULL,
      actor_id varchar(200) NOT NULL,
      actor_name varchar(200),
      action varchar(64) NOT NULL,
      subject_type varchar(64) NOT NULL,
      subject_id varchar(512) NOT NULL,
      before_json text,
      after_json text,
      prev_hash varchar(64) NOT NULL,
      hash varchar(64) NOT NULL)`)
    // The chain's head: the last seq and hash. Every append locks this one row (FOR UPDATE on PostgreSQL).
    await q.query(`CREATE TABLE cb_audit_head (
      id integer PRIMARY KEY,
      seq bigint NOT NULL,
      hash varchar(64) NOT NULL)`)
    await q.query(`INSERT INTO cb_audit_head (id, seq, hash) VALUES (1, 0, '${AUDIT_GENESIS_HASH}')`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_audit_head')
    await q.query('DROP TABLE cb_audit')
  }
}
