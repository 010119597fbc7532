import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { SimulatedCarrier } from '../src/carriers/simulated-carrier.js';
import { hashApiKey } from '../src/domain/api-key.js';
import { createDatabase } from '../src/store/database.js';
import { observeStatements } from '../src/store/sql-observer.js';
import { SqliteCheckpointer } from '../src/store/sqlite-checkpointer.js';
import { createInProcessApp } from '../tools/in-process-app.js';
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
  const capturedDid = captured.flatMap((s) => s.parameters).find((v) => typeof v === 'string' && /^61\d{8,10}$/.test(v));
  const buyerOf = buyerValues(sqlite, buyers);
  const capturedBuyer = buyerOf.find((values) => captured.some((s) => s.parameters.includes(values.accountId)))!;
  const wal = openSync(`${path}-wal`, 'r');
  let purchases = 0;
  let next = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sqlite.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < batch; i++, next++) {
      const did = buyers.numbers[next % buyers.numbers.length];
      const buyer = buyerOf[next % buyerOf.length]!;
      const ids = new Map<string, string>();
      const swap = (value: unknown): unknown => {
        if (value === capturedDid) return did;
        if (value === capturedBuyer.accountId) return buyer.accountId;
        if (value === capturedBuyer.addressId) return buyer.addressId;
        if (value === capturedBuyer.personId) return buyer.personId;
        if (value === capturedBuyer.keyHash) return buyer.keyHash;
        if (typeof value === 'string' && /^[a-z]{3}_[0-9a-f]{32}$/.test(value)) {
          if (!ids.has(value)) ids.set(value, `${value.slice(0, 4)}${next}_${ids.size}_${value.slice(4, 20)}`);
          return ids.get(value);
        }
        return value;
      };
      for (const { statement, parameters } of statements) {
        const values = parameters.map(swap);
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

interface BuyerValues {
  accountId: string;
  addressId: string;
  personId: string;
  keyHash: string;
}

function buyerValues(sqlite: SqliteDatabase.Database, buyers: Buyers): BuyerValues[] {
  const accountOf = sqlite.prepare('SELECT account_id FROM api_key WHERE key_hash = ?');
  return buyers.accounts.map((buyer) => {
    const keyHash = hashApiKey(buyer.apiKey);
    const { account_id } = accountOf.get(keyHash) as { account_id: string };
    return { accountId: account_id, addressId: buyer.addressId, personId: buyer.personId, keyHash };
  });
}
