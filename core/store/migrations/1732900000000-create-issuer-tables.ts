// Issuer tables: issued credentials with their status bits, status lists, API clients, rate-limit windows.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class CreateIssuerTables1732900000000 implements MigrationInterface {
  name = 'CreateIssuerTables1732900000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE cb_status_list (
      id integer PRIMARY KEY,
      size integer NOT NULL,
      next_position integer NOT NULL,
      permutation_key varchar(64) NOT NULL,
      version integer NOT NULL,
      created_at varchar(32) NOT NULL)`)
    await q.query(`CREATE TABLE cb_status_list_credential (
      list_id integer NOT NULL,
      purpose varchar(16) NOT NULL,
      version integer NOT NULL,
      jwt text NOT NULL,
      PRIMARY KEY (list_id, purpose))`)
    await q.query(`CREATE TABLE cb_credential (
      id varchar(512) PRIMARY KEY,
      issuer varchar(512) NOT NULL,
      types text NOT NULL,
      subject varchar(512),
      format varchar(32) NOT NULL,
      document text NOT NULL,
      status_list_id integer NOT NULL,
      status_index integer NOT NULL,
      revoked integer NOT NULL DEFAULT 0,
      suspended integer NOT NULL DEFAULT 0,
      client_id varchar(64),
      issued_at varchar(32) NOT NULL)`)
    await q.query(`CREATE UNIQUE INDEX cb_credential_status_slot ON cb_credential (status_list_id, status_index)`)
    await q.query(`CREATE TABLE cb_api_client (
      id varchar(64) PRIMARY KEY,
      name varchar(200) NOT NULL,
      token_hash varchar(64) NOT NULL UNIQUE,
      scopes text NOT NULL,
      created_at varchar(32) NOT NULL,
      revoked_at varchar(32))`)
    await q.query(`CREATE TABLE cb_rate_limit (
      bucket varchar(255) NOT NULL,
      window_start integer NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (bucket, window_start))`)
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['cb_rate_limit', 'cb_api_client', 'cb_credential', 'cb_status_list_credential', 'cb_status_list'])
      await q.query(`DROP TABLE ${t}`)
  }
}
