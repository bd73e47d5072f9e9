// Status lists for Data Integrity credentials: the JSON form (eddsa-rdfc-2022) is cached beside the vc+jwt form.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class StatusListDataIntegrity1796000000000 implements MigrationInterface {
  name = 'StatusListDataIntegrity1796000000000'

  /** Nullable: rows signed before this migration have only the JWT, and get both forms at their next request. */
  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cb_status_list_credential ADD COLUMN ld_document text')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cb_status_list_credential DROP COLUMN ld_document')
  }
}
