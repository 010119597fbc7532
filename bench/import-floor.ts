import { rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { createDatabase } from '../server/src/store/database.js';
import { offLoopCheckpoints } from '../server/src/store/sqlite/sqlite-checkpointer.js';
import { migrateToLatest } from '../server/src/store/migrate.js';

const BATCH = 1_000;
const PER_STATEMENT = 500;

/**
 * The floor under any import into this schema: the rows an import stored (read back from its
 * database, in the order it inserted them, with the columns it wrote) inserted again into a fresh
 * database with prepared 500-row statements, 1,000 rows per synced commit, checkpoints on another
 * thread that keep the log within its limit, set up as Bilby's are. No HTTP, CSV or validation.
 * Returns rows per second.
 */
export async function replayImportedRows(importedPath: string, freshPath: string): Promise<number> {
  const source = new SqliteDatabase(importedPath, { readonly: true });
  // The columns the import wrote: the others are NULL in every row it stored.
  const columns = source
    .prepare('SELECT * FROM phone_number LIMIT 1')
    .columns()
    .map((column) => column.name)
    .filter((name) => source.prepare(`SELECT 1 FROM phone_number WHERE ${name} IS NOT NULL LIMIT 1`).get() !== undefined);
  const rows = source.prepare(`SELECT ${columns.join(', ')} FROM phone_number ORDER BY rowid`).raw().all() as unknown[][];
  source.close();

  for (const suffix of ['', '-wal', '-shm']) rmSync(`${freshPath}${suffix}`, { force: true });
  const migrated = createDatabase(`file:${freshPath}`);
  await migrateToLatest(migrated);
  await migrated.close();

  const sqlite = new SqliteDatabase(freshPath);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  const checkpointer = offLoopCheckpoints(sqlite, freshPath);
  const values = `(${columns.map(() => '?').join(', ')})`;
  const insert = sqlite.prepare(
    `INSERT INTO phone_number (${columns.join(', ')}) VALUES ${Array(PER_STATEMENT).fill(values).join(', ')} ON CONFLICT (did_number) DO NOTHING`,
  );
  const insertBatch = sqlite.transaction((batch: unknown[][]) => {
    for (let i = 0; i + PER_STATEMENT <= batch.length; i += PER_STATEMENT) insert.run(batch.slice(i, i + PER_STATEMENT).flat());
  });
  const whole = rows.length - (rows.length % BATCH);
  const started = performance.now();
  for (let i = 0; i < whole; i += BATCH) {
    // As Bilby's group commit does: past its limit the log is copied back with no writer running,
    // so that it can start over instead of growing (to 2 GB over these rows when it did not). The
    // checkpointer reports the log's length as events: each batch lets the loop take them.
    await new Promise(setImmediate);
    if (checkpointer.mustDrain()) await checkpointer.drain();
    insertBatch(rows.slice(i, i + BATCH));
  }
  const rate = whole / ((performance.now() - started) / 1000);
  await checkpointer.close();
  sqlite.close();
  return rate;
}
