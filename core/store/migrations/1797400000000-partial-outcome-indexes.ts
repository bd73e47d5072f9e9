// The recognition queue's and the deposits' indexes over the outcomes that can be in them, not over every outcome: an
// institution's import adds outcomes by the million, each recognized at once and never deposited, and every index entry
// is a page written at each chunk's commit (the queue's key, ordered by a random id, lands on a random leaf). Measured on
// the import benchmark (50,000 rows): SQLite's work per row 119 -> 91 µs.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class PartialOutcomeIndexes1797400000000 implements MigrationInterface {
  name = 'PartialOutcomeIndexes1797400000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX cb_learning_outcome_queue')
    // The queue is read only with this predicate (OutcomeStore.listInQueue), which lets either database use the index.
    await q.query(
      "CREATE INDEX cb_learning_outcome_queue ON cb_learning_outcome (state, created_at, id) WHERE state IN ('pending', 'referred')",
    )
    await q.query('DROP INDEX cb_learning_outcome_deposit')
    await q.query('CREATE UNIQUE INDEX cb_learning_outcome_deposit ON cb_learning_outcome (deposit_id) WHERE deposit_id IS NOT NULL')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX cb_learning_outcome_deposit')
    await q.query('CREATE UNIQUE INDEX cb_learning_outcome_deposit ON cb_learning_outcome (deposit_id)')
    await q.query('DROP INDEX cb_learning_outcome_queue')
    await q.query('CREATE INDEX cb_learning_outcome_queue ON cb_learning_outcome (state, created_at, id)')
  }
}
