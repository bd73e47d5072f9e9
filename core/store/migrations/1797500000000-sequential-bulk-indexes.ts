// Two indexes that every imported row wrote at a random place, made to write where the last row did (or a small
// index). At a million rows an institution's import commits ~2,000 rows at a time, and each row's entry in an index
// keyed at random dirtied a page of its own — 16 KiB to the WAL and again at the checkpoint — in an index far larger than
// SQLite's cache. Measured on the import benchmark (1,000,000 rows, SQLite): 4,747 rows/s as it was, 6,550 without the
// learner index, 6,160 with it on the hash's prefix and no slot index at all (what an index growing at its end costs
// is little); with this migration and the larger checkpoint interval (data-source.ts), 6,505 (bench/README.md).
//
// - A status slot's uniqueness is kept on its position in the list's walk (the allocation counter: sequential), not on
//   its index (the keyed permutation of the position: random by design). The permutation is a bijection, so one is
//   unique exactly when the other is; existing credentials get their position from their list's walk.
// - A learner's outcomes are found by the first 8 hex digits of their keyed identity hash (a short key: the index fits
//   in the cache and a chunk dirties a fraction of its pages), then by the whole hash; a learner's few outcomes are
//   ordered after they are found, not by the index.
import type { MigrationInterface, QueryRunner } from 'typeorm'
import { IndexPermutation } from '../../status/permutation.ts'
import { sql } from '../sql.ts'

export class SequentialBulkIndexes1797500000000 implements MigrationInterface {
  name = 'SequentialBulkIndexes1797500000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cb_credential ADD COLUMN status_position integer')
    const lists = await sql<{ id: number | string; size: number | string; next_position: number | string; permutation_key: string }>(
      q.manager,
      'SELECT id, size, next_position, permutation_key FROM cb_status_list',
    )
    for (const list of lists) {
      const walk = new IndexPermutation(list.permutation_key, Number(list.size))
      const positionOf = new Map<number, number>()
      for (let p = 0; p < Number(list.next_position); p++) positionOf.set(walk.at(p), p)
      const rows = await sql<{ id: string; status_index: number | string }>(
        q.manager,
        'SELECT id, status_index FROM cb_credential WHERE status_list_id = ?',
        [list.id],
      )
      for (const row of rows) {
        const position = positionOf.get(Number(row.status_index))
        // A slot the list's counter never handed out: stop rather than guess (the old unique index stays).
        if (position === undefined)
          throw new Error(`credential ${row.id} holds status slot ${list.id}/${row.status_index}, which its list never handed out`)
        await sql(q.manager, 'UPDATE cb_credential SET status_position = ? WHERE id = ?', [position, row.id])
      }
    }
    await q.query('CREATE UNIQUE INDEX cb_credential_status_position ON cb_credential (status_list_id, status_position)')
    await q.query('DROP INDEX cb_credential_status_slot')

    await q.query('DROP INDEX cb_learning_outcome_learner')
    // OutcomeStore.listForLearner names this very expression, so that either database can use the index.
    await q.query('CREATE INDEX cb_learning_outcome_learner ON cb_learning_outcome (substr(id_hash, 1, 8))')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX cb_learning_outcome_learner')
    await q.query('CREATE INDEX cb_learning_outcome_learner ON cb_learning_outcome (id_hash, created_at, id)')
    await q.query('CREATE UNIQUE INDEX cb_credential_status_slot ON cb_credential (status_list_id, status_index)')
    await q.query('DROP INDEX cb_credential_status_position')
    await q.query('ALTER TABLE cb_credential DROP COLUMN status_position')
  }
}
