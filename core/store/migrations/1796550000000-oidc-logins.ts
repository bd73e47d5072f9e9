// Sign-ins through the external OpenID Connect provider that have begun and not yet come back (issue 7 item 1). A row
// lives from GET /session/oidc until its callback (any instance may receive it) takes and deletes it, or it expires.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class OidcLogins1796550000000 implements MigrationInterface {
  name = 'OidcLogins1796550000000'

  async up(q: QueryRunner): Promise<void> {
    // Only the SHA-256 of the state is kept, and the S256 challenge of the PKCE verifier (the verifier itself stays in
    // the browser's cookie): a copy of this table can neither answer a callback nor redeem a code.
    await q.query(`CREATE TABLE cb_oidc_login (
      state_hash varchar(64) PRIMARY KEY,
      nonce varchar(64) NOT NULL,
      code_challenge varchar(64) NOT NULL,
      return_to varchar(2048),
      created_at varchar(32) NOT NULL,
      expires_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_oidc_login_expires ON cb_oidc_login (expires_at)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_oidc_login')
  }
}
