import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { createDatabase, type Database } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';
import { insertNumbers } from '../server/src/store/number-store.js';
import type { NewPhoneNumber } from '../server/src/store/tables.js';

async function withReaders(t: TestContext, readers: number): Promise<{ database: Database; failures: Error[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-readers-'));
  const failures: Error[] = [];
  const database = createDatabase(`file:${dir}/bilby.db`, { readers, onConnectionError: (error) => failures.push(error) });
  t.after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await migrateToLatest(database);
  return { database, failures };
}

function stock(e164: string): NewPhoneNumber {
  const at = new Date().toISOString();
  return {
    did_number: e164,
    country: 'AU',
    number_type: 'geographic',
    state: 'NSW',
    city: 'Sydney',
    area_code: '02',
    setup_cost_cents: 0,
    monthly_cost_cents: 500,
    status: 'available',
    block_premium: 0,
    created_at: at,
    updated_at: at,
  };
}

const available = async (database: Database) =>
  (await sql<{ did_number: string }>`SELECT did_number FROM phone_number WHERE status = 'available' ORDER BY did_number`.execute(database.reads)).rows.map(
    (row) => row.did_number,
  );

/** Counts to `n` in SQL: a read that takes a while (hundreds of milliseconds for millions). */
const longRead = (n: number) => sql<{ total: number }>`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT count(*) AS total FROM c`;

describe('SQLite reader threads', () => {
  it('see every write committed before the read, on the server\'s connection', async (t) => {
    const { database } = await withReaders(t, 2);
    assert.deepEqual(await available(database), []);
    await database.writeTransaction((trx) => insertNumbers(trx, [stock('61291234567'), stock('61291234568')]));
    assert.deepEqual(await available(database), ['61291234567', '61291234568']);
    await database.writeTransaction((trx) => trx.updateTable('phone_number').set({ status: 'withdrawn' }).where('did_number', '=', '61291234567').execute());
    // Both readers: whichever answers, it reads the latest commit.
    const answers = await Promise.all([available(database), available(database), available(database)]);
    for (const answer of answers) assert.deepEqual(answer, ['61291234568']);
  });

  it('keep the event loop free while a long read runs', async (t) => {
    const { database } = await withReaders(t, 1);
    let turns = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const { rows } = await longRead(3_000_000).execute(database.reads);
    running = false;
    assert.equal(Number(rows[0]!.total), 3_000_000);
    // On the server's connection the read would hold the loop from start to end: no turn between.
    assert.ok(turns > 1, `the event loop turned ${turns} times while the read ran`);
  });

  it('refuse to write', async (t) => {
    const { database } = await withReaders(t, 1);
    await assert.rejects(sql`INSERT INTO number_price (number_type, setup_cost_cents, monthly_cost_cents) VALUES ('mobile', 1, 2)`.execute(database.reads), /reader runs queries that return rows/);
    await assert.rejects(
      sql`INSERT INTO number_price (number_type, setup_cost_cents, monthly_cost_cents) VALUES ('mobile', 1, 2) RETURNING number_type`.execute(database.reads),
      /readonly|read-only/i,
    );
    const prices = await database.db.selectFrom('number_price').selectAll().execute();
    assert.deepEqual(prices, []);
  });

  it('reject the reads of a reader that fails, report it, and answer later reads without it', async (t) => {
    const { database, failures } = await withReaders(t, 1);
    await database.writeTransaction((trx) => insertNumbers(trx, [stock('61291234567')]));
    // A hundred thousand rows of 2 KB outgrow a reader's heap (8 MB): the thread dies mid-query.
    await assert.rejects(
      sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, hex(randomblob(1000)) AS filler FROM c`.execute(database.reads),
    );
    assert.equal(failures.length, 1, 'the failed reader was reported');
    assert.deepEqual(await available(database), ['61291234567'], 'the next read is answered on the server\'s connection');
  });
});
