// Accounts (issue 7 item 1): people who sign in (learners, institution staff, reviewers, experts, admins), their browser
// sessions, their links to an external OpenID Connect provider, and API clients bound to one institution.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class Accounts1796500000000 implements MigrationInterface {
  name = 'Accounts1796500000000'

  async up(q: QueryRunner): Promise<void> {
    // username is stored lower-cased (unique without collation tricks); password_hash is null for accounts that only
    // sign in through the OIDC provider. Lockout: failed_sign_ins counts failures since the last success.
    await q.query(`CREATE TABLE cb_user (
      id varchar(64) PRIMARY KEY,
      username varchar(64) NOT NULL UNIQUE,
      role varchar(16) NOT NULL,
      institution_id varchar(64) REFERENCES cb_institution (id),
      display_name varchar(200) NOT NULL,
      password_hash varchar(256),
      status varchar(16) NOT NULL,
      failed_sign_ins integer NOT NULL DEFAULT 0,
      locked_until varchar(32),
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL,
      last_sign_in_at varchar(32))`)
    // Only the SHA-256 of a session token is stored, as for API tokens.
    await q.query(`CREATE TABLE cb_session (
      token_hash varchar(64) PRIMARY KEY,
      id varchar(64) NOT NULL UNIQUE,
      user_id varchar(64) NOT NULL REFERENCES cb_user (id),
      csrf_token varchar(64) NOT NULL,
      method varchar(16) NOT NULL,
      created_at varchar(32) NOT NULL,
      expires_at varchar(32) NOT NULL,
      idle_expires_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_session_user ON cb_session (user_id)')
    await q.query(`CREATE TABLE cb_oidc_identity (
      provider varchar(300) NOT NULL,
      subject varchar(255) NOT NULL,
      user_id varchar(64) NOT NULL REFERENCES cb_user (id),
      created_at varchar(32) NOT NULL,
      PRIMARY KEY (provider, subject))`)
    await q.query('ALTER TABLE cb_api_client ADD COLUMN institution_id varchar(64)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cb_api_client DROP COLUMN institution_id')
    await q.query('DROP TABLE cb_oidc_identity')
    await q.query('DROP TABLE cb_session')
    await q.query('DROP TABLE cb_user')
  }
}
