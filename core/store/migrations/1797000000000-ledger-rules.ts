// The credit ledger's policy caps (issue 8 item 1): rules in the database, managed by experts and admins. The ledger
// itself has no table: it is derived on every read from recognized outcomes (and approved conversions), so it can never
// be edited by hand nor drift from a revocation.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class LedgerRules1797000000000 implements MigrationInterface {
  name = 'LedgerRules1797000000000'

  async up(q: QueryRunner): Promise<void> {
    // kind: per_year | per_term | per_institution | max_certificates_per_programme | non_transferable_category;
    // parameters: the kind's JSON (issuer/ledger/ledger-rules.ts checks it). version counts changes (1 when created);
    // each change is in the audit trail with the state before and after. A rule is never deleted: `active` 0 retires it.
    await q.query(`CREATE TABLE cb_ledger_rule (
      id varchar(64) PRIMARY KEY,
      kind varchar(48) NOT NULL,
      name_zh varchar(200) NOT NULL,
      name_en varchar(200) NOT NULL,
      parameters text NOT NULL,
      active integer NOT NULL,
      version integer NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_ledger_rule_active ON cb_ledger_rule (active, kind, id)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_ledger_rule')
  }
}
