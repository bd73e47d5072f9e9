// Copies a SQLite database's WAL back into the database file from a connection of its own, beside the one that
// writes. SQLite's own checkpoints run inside the COMMIT that crosses wal_autocheckpoint, on the writing connection:
// every transaction queued behind it (an import's next chunk, an API request) waits for a copy of the whole WAL.
// A passive checkpoint from a second connection runs in a thread of its own while the writer goes on: it never blocks
// the writer or readers, copies only what was committed, and the writer starts the WAL over once all of it is copied.
import sqlite3 from 'sqlite3'

export interface WalCheckpointer {
  /** Stops checkpointing and closes the connection, once however often called (SQLite checkpoints what is left when the last connection closes). */
  close(): Promise<void>
}

/** Checkpoints `file`'s WAL every `intervalMs` (real time; the timer does not keep the process alive). */
export async function startWalCheckpointer(file: string, intervalMs = 1000): Promise<WalCheckpointer> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(opened)))
  })
  let busy: Promise<void> | undefined
  const timer = setInterval(() => {
    // One at a time: a checkpoint still copying when the next is due is not doubled. A passive checkpoint waits for
    // nobody (no busy handler); one that fails is left to the next, and until then the WAL only grows.
    busy ??= new Promise<void>((resolve) => db.run('PRAGMA wal_checkpoint(PASSIVE)', () => resolve())).finally(() => (busy = undefined))
  }, intervalMs)
  timer.unref()
  let closed: Promise<void> | undefined
  return {
    close() {
      clearInterval(timer)
      closed ??= (async () => {
        await busy
        await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())))
      })()
      return closed
    },
  }
}
