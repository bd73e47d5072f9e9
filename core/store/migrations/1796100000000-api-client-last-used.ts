// API clients: when each was last used (written at most once a minute per client), for `credit-bank clients list`.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class ApiClientLastUsed1796100000000 implements MigrationInterface {
  name = 'ApiClientLastUsed1796100000000'

  async up(q: QueryRunner): Promise<void> {
    // Nullable with no default: one statement that SQLite and PostgreSQL both run without rewriting the table.
    await q.query('ALTER TABLE cb_api_client ADD COLUMN last_used_at varchar(32)')
  }

  async down(q: QueryRunner): Promise<void> {
    // SQLite 3.35+ and PostgreSQL both drop a column.
    await q.query('ALTER TABLE cb_api_client DROP COLUMN last_used_at')
  }
}
