import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { createDatabase, type Database, type DatabaseOptions } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';
import { observeStatements } from '../server/src/store/sqlite/sql-observer.js';

/** A migrated SQLite file of its own for one test. */
async function sqliteFile(t: TestContext, options: DatabaseOptions = {}): Promise<{ database: Database; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-durable-'));
  const path = join(dir, 'bilby.db');
  const database = createDatabase(`file:${path}`, options);
  t.after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await migrateToLatest(database);
  return { database, path };
}

it('answers a group-committed transaction only after the log was synced, and counts each sync once', async (t) => {
  const { database } = await sqliteFile(t);
  const before = database.stats.commits;
  const commitsWhenAnswered = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      database
        .writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `k${i}`, window_start: 'w', hits: i }).execute())
        // Whoever is answered must find its batch's sync already done and counted.
        .then(() => database.stats.commits),
    ),
  );
  for (const commits of commitsWhenAnswered) assert.ok(commits > before, 'answered before any sync');
  const syncs = database.stats.commits - before;
  assert.ok(syncs >= 1 && syncs < 10, `30 concurrent transactions took ${syncs} syncs`);
});

it('syncs a write made outside a write transaction before the statement returns', async (t) => {
  const { database } = await sqliteFile(t);
  const before = database.stats.commits;
  await database.db.insertInto('rate_limit_window').values({ key_id: 'solo', window_start: 'w', hits: 1 }).execute();
  assert.equal(database.stats.commits, before + 1);
  await database.db.selectFrom('rate_limit_window').selectAll().execute();
  assert.equal(database.stats.commits, before + 1, 'a read is not a commit');
});

it('commits with the connection at synchronous=NORMAL and the log synced by us, never by SQLite inside the COMMIT', async (t) => {
  const { database } = await sqliteFile(t);
  const seen: string[] = [];
  const stop = observeStatements((sql) => seen.push(sql));
  await Promise.all([1, 2, 3].map((i) => database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `n${i}`, window_start: 'w', hits: i }).execute())));
  stop();
  assert.ok(seen.includes('commit'));
  const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
  const synchronous = rows[0]?.synchronous;
  assert.equal(synchronous, 1, 'NORMAL: the COMMIT writes the log without syncing it');
});

it('copies the log back into the database from its worker thread, not inside a COMMIT', async (t) => {
  const { database, path } = await sqliteFile(t);
  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
  assert.equal(rows[0]?.wal_autocheckpoint, 0, "SQLite's own checkpoints (inside a COMMIT) are off");
  const sizeBefore = statSync(path).size;
  // About 4 MB of rows: far past SQLite's own checkpoint threshold, which is off for this connection.
  const filler = 'x'.repeat(4_000);
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `${batch}-${i}-${filler}`, window_start: 'w', hits: i }).execute()),
      ),
    );
  }
  let grown = false;
  for (let wait = 0; wait < 100 && !grown; wait++) {
    grown = statSync(path).size > sizeBefore + 3_000_000;
    if (!grown) await sleep(20);
  }
  assert.ok(grown, `the database file stayed at ${statSync(path).size} bytes: nothing was checkpointed`);
  const reader = new SqliteDatabase(path, { readonly: true });
  t.after(() => reader.close());
  assert.equal((reader.prepare('select count(*) as n from rate_limit_window').get() as { n: number }).n, 1_000);
});

it('starts the log over under writes that never pause, instead of letting it grow', async (t) => {
  // A 256-frame (1 MB) limit, and 3,000 rows of 4 KB written by 50 writers that never stop.
  const { database, path } = await sqliteFile(t, { walRestartFrames: 256 });
  const filler = 'x'.repeat(4_000);
  let largestLog = 0;
  let written = 0;
  const writer = async (w: number) => {
    for (let i = 0; i < 60; i++) {
      await database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `${w}-${i}-${filler}`, window_start: 'w', hits: i }).execute());
      written++;
      largestLog = Math.max(largestLog, statSync(`${path}-wal`).size);
    }
  };
  await Promise.all(Array.from({ length: 50 }, (_, w) => writer(w)));
  assert.equal(written, 3_000);
  // The log can outgrow the limit by what is written between two of the worker's reports (50 ms,
  // here about 4 MB); without the drain it reached 52 MB in this test.
  assert.ok(largestLog < 16_000_000, `the log grew to ${largestLog} bytes with a limit of 1 MB`);
  const { rows } = await sql<{ n: number }>`select count(*) as n from rate_limit_window`.execute(database.db);
  assert.equal(Number(rows[0]?.n), 3_000);
});

it('starts the log over while reader threads read without pause', async (t) => {
  // As above (5,000 rows, about 26 MB of log if it never started over), with 2 reader threads
  // reading the growing table whole, over and over: each read holds a snapshot that a checkpoint
  // must not copy past while it lasts.
  const { database, path } = await sqliteFile(t, { walRestartFrames: 256, readers: 2 });
  const filler = 'x'.repeat(4_000);
  let largestLog = 0;
  let writing = true;
  let reads = 0;
  const reader = async () => {
    while (writing) {
      await sql`select count(*) as n, sum(length(key_id)) as bytes from rate_limit_window`.execute(database.reads);
      reads++;
    }
  };
  const writer = async (w: number) => {
    for (let i = 0; i < 100; i++) {
      await database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `${w}-${i}-${filler}`, window_start: 'w', hits: i }).execute());
      largestLog = Math.max(largestLog, statSync(`${path}-wal`).size);
    }
  };
  const readers = Array.from({ length: 4 }, reader);
  await Promise.all(Array.from({ length: 50 }, (_, w) => writer(w)));
  writing = false;
  await Promise.all(readers);
  t.diagnostic(`${reads} reads alongside the writes; the log's largest size ${largestLog} bytes`);
  assert.ok(reads > 10, `${reads} reads ran alongside the writes`);
  assert.ok(largestLog < 16_000_000, `the log grew to ${largestLog} bytes with a limit of 1 MB`);
  const { rows } = await sql<{ n: number }>`select count(*) as n from rate_limit_window`.execute(database.reads);
  assert.equal(Number(rows[0]?.n), 5_000);
});

it("gives a thread's writer the file alone: no transaction open on the server's connection meanwhile, later writes queued behind it, its failure its own", async (t) => {
  const { database, path } = await sqliteFile(t);
  assert.ok(database.threadWrites);
  assert.equal(database.threadWrites.path, path);
  // Another connection, as the billing thread's, taking the write lock at once: it would wait
  // (busy_timeout 0: fail) if the server's connection held a transaction open.
  const other = new SqliteDatabase(path);
  t.after(() => other.close());
  other.pragma('busy_timeout = 0');
  const order: string[] = [];
  const earlier = database.writeTransaction(async (trx) => {
    await trx.insertInto('rate_limit_window').values({ key_id: 'before', window_start: 'w', hits: 1 }).execute();
    order.push('earlier');
  });
  const alone = database.threadWrites.run(async () => {
    await sleep(30);
    other.exec("BEGIN IMMEDIATE; INSERT INTO rate_limit_window (key_id, window_start, hits) VALUES ('thread', 'w', 1); COMMIT");
    order.push('alone');
    return 'written';
  });
  const later = database.writeTransaction(async (trx) => {
    await trx.insertInto('rate_limit_window').values({ key_id: 'after', window_start: 'w', hits: 1 }).execute();
    order.push('later');
  });
  const refused = database.threadWrites
    .run(async () => {
      throw new Error('the thread failed');
    })
    .then(
      () => 'fulfilled',
      (error: Error) => error.message,
    );
  const last = database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: 'last', window_start: 'w', hits: 1 }).execute());
  assert.equal(await alone, 'written');
  await Promise.all([earlier, later, last]);
  assert.equal(await refused, 'the thread failed');
  assert.deepEqual(order, ['earlier', 'alone', 'later']);
  const keys = await database.db.selectFrom('rate_limit_window').select('key_id').orderBy('key_id').execute();
  assert.deepEqual(keys.map((row) => row.key_id), ['after', 'before', 'last', 'thread']);
});

it("keeps a statement sent outside the group commit waiting while a thread's writer has the file, instead of blocking the event loop on SQLite's lock", async (t) => {
  const { database, path } = await sqliteFile(t);
  const other = new SqliteDatabase(path);
  t.after(() => other.close());
  const order: string[] = [];
  const alone = database.threadWrites!.run(async () => {
    // The thread's transaction stays open across turns of the event loop, as a batch's does.
    other.exec("BEGIN IMMEDIATE; INSERT INTO rate_limit_window (key_id, window_start, hits) VALUES ('thread', 'w', 1)");
    await sleep(20);
    order.push('timer ran while the thread held the lock');
    await sleep(20);
    other.exec('COMMIT');
    order.push('thread committed');
  });
  await sleep(5);
  // Idempotency claims and maintenance write through the database itself, not the group commit.
  const direct = database.db
    .insertInto('rate_limit_window')
    .values({ key_id: 'direct', window_start: 'w', hits: 1 })
    .execute()
    .then(() => order.push('direct write'));
  await Promise.all([alone, direct]);
  assert.deepEqual(order, ['timer ran while the thread held the lock', 'thread committed', 'direct write']);
});

it('waits for transactions still syncing before it closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-durable-'));
  const path = join(dir, 'bilby.db');
  try {
    const database = createDatabase(`file:${path}`);
    await migrateToLatest(database);
    const pending = Array.from({ length: 20 }, (_, i) =>
      database.writeTransaction((trx) => trx.insertInto('rate_limit_window').values({ key_id: `c${i}`, window_start: 'w', hits: i }).execute()),
    );
    await database.close();
    const outcomes = await Promise.allSettled(pending);
    assert.deepEqual(outcomes.map((o) => o.status), Array(20).fill('fulfilled'));
    const reader = new SqliteDatabase(path, { readonly: true });
    assert.equal((reader.prepare('select count(*) as n from rate_limit_window').get() as { n: number }).n, 20);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
