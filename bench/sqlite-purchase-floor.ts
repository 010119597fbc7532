import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import { createDatabase } from '../server/src/store/database.js';
import { observeStatements } from '../server/src/store/sqlite/sql-observer.js';
import { SqliteCheckpointer } from '../server/src/store/sqlite/sqlite-checkpointer.js';
import { createInProcessApp } from '../tools/in-process-app.js';
import { buyerValues, capturedNumber, retarget } from './captured-purchase.js';
import { purchaseOnce, type Buyers } from './purchase-setup.js';

interface Captured {
  sql: string;
  parameters: unknown[];
}

/** Statements that frame transactions: the replay frames its own batches. */
const FRAMING = /^\s*(begin|commit|rollback|savepoint|release)\b/i;

/**
 * The SQL Bilby ran on its own database for one purchase (answered in-process), without the
 * statements that open and close transactions.
 */
export async function captureSqlitePurchase(path: string, buyers: Buyers): Promise<Captured[]> {
  const database = createDatabase(`file:${path}`);
  const carrier = await SimulatedCarrier.open({ path: ':memory:' });
  const app = await createInProcessApp(database, carrier);
  const captured: Captured[] = [];
  const stop = observeStatements((sql, parameters) => captured.push({ sql, parameters: [...parameters] }));
  try {
    await purchaseOnce(app, buyers);
  } finally {
    stop();
    await app.close();
    await carrier.close();
    await database.close();
  }
  // The carrier's books are another database: keep only ours.
  return captured.filter((statement) => !FRAMING.test(statement.sql) && !/carrier_number/.test(statement.sql));
}

/**
 * The floor under any server running this SQL: the captured statements replayed through
 * prepared statements on one connection, `batch` purchases per transaction and one fdatasync of
 * the log per transaction (Bilby's group commit at its best, with its checkpoints off the thread),
 * a distinct number, buyer and ids per purchase. No HTTP, no JSON, no query building. Returns
 * purchases per second.
 */
export async function replaySqlitePurchases(path: string, captured: Captured[], buyers: Buyers, seconds: number, batch = 16): Promise<number> {
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('wal_autocheckpoint = 0');
  const checkpointer = new SqliteCheckpointer(path, (error) => {
    throw error;
  });
  const statements = captured.map((statement) => ({ statement: sqlite.prepare(statement.sql), parameters: statement.parameters }));
  const did = capturedNumber(captured.map((statement) => statement.parameters));
  const accountOf = sqlite.prepare('SELECT account_id FROM api_key WHERE key_hash = ?');
  const buyerOf = await buyerValues(buyers, (keyHash) => (accountOf.get(keyHash) as { account_id: string }).account_id);
  const buyer = buyerOf.find((values) => captured.some((s) => s.parameters.includes(values.accountId)))!;
  const wal = openSync(`${path}-wal`, 'r');
  let purchases = 0;
  let next = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sqlite.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < batch; i++, next++) {
      const purchase = { did: buyers.numbers[next % buyers.numbers.length]!, buyer: buyerOf[next % buyerOf.length]!, index: next, ids: new Map<string, string>() };
      for (const { statement, parameters } of statements) {
        const values = retarget(parameters, { did, buyer }, purchase);
        if (statement.reader) statement.all(...values);
        else statement.run(...values);
      }
    }
    sqlite.exec('COMMIT');
    fdatasyncSync(wal);
    purchases += batch;
  }
  const rate = purchases / ((performance.now() - started) / 1000);
  closeSync(wal);
  await checkpointer.close();
  sqlite.close();
  return rate;
}
