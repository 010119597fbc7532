import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import { createDatabase, type Database } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';
import { insertNumbers } from '../server/src/store/number-store.js';
import type { NewPhoneNumber } from '../server/src/store/tables.js';
import { createInProcessApp } from '../tools/in-process-app.js';
import { buyerValues, capturedNumber } from './captured-purchase.js';
import { prepareBuyers, purchaseOnce, type Buyers } from './purchase-setup.js';

export const BENCH_DATABASE = 'bilby_bench';

/** A fresh PostgreSQL database with the stock of a SQLite stock database and the buyers. */
export async function preparePostgres(serverUrl: string, stock: string, buyerCount: number): Promise<{ url: string; buyers: Buyers }> {
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  await admin.end();
  const url = `${serverUrl}/${BENCH_DATABASE}`;
  const database = createDatabase(url);
  await migrateToLatest(database);
  const sqlite = new SqliteDatabase(stock, { readonly: true });
  const rows = sqlite.prepare('SELECT * FROM phone_number').all() as NewPhoneNumber[];
  sqlite.close();
  for (let i = 0; i < rows.length; i += 2_000) await insertNumbers(database.db, rows.slice(i, i + 2_000));
  const buyers = await prepareBuyers(database, buyerCount);
  await database.close();
  return { url, buyers };
}

export interface CapturedQuery {
  text: string;
  values: unknown[];
}

/**
 * The SQL Bilby runs for one purchase, captured from its own connections (every query the pool's
 * clients send while one purchase is answered in-process).
 */
export async function capturePurchaseSql(url: string, buyers: Buyers): Promise<CapturedQuery[]> {
  const database: Database = createDatabase(url);
  const carrier = await SimulatedCarrier.open({ path: ':memory:' });
  const app = await createInProcessApp(database, carrier);
  const captured: CapturedQuery[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function capture(this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof config === 'string' ? config : config.text;
    captured.push({ text, values: (typeof config === 'string' ? values : config.values) ?? [] });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await purchaseOnce(app, buyers);
  } finally {
    pg.Client.prototype.query = original;
    await app.close();
    await carrier.close();
    await database.close();
  }
  return captured;
}

/**
 * A pgbench script replaying the captured purchase with literals inlined: each transaction takes
 * the next number of its client's share of the stock and a buyer of its own, and new ids; every
 * other value is as Bilby sent it.
 */
export async function writePgbenchScript(
  url: string,
  captured: CapturedQuery[],
  buyers: Buyers,
  numbers: string[],
  path: string,
): Promise<PgbenchScript> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE bench_stock (n integer PRIMARY KEY, did text NOT NULL)');
  await client.query('CREATE TABLE bench_buyer (b integer PRIMARY KEY, account_id text, address_id text, person_id text, key_hash text)');
  for (let i = 0; i < numbers.length; i += 5_000) {
    const slice = numbers.slice(i, i + 5_000);
    await client.query(`INSERT INTO bench_stock (n, did) SELECT * FROM unnest($1::int[], $2::text[])`, [slice.map((_, k) => i + k), slice]);
  }
  const values = await buyerValues(buyers, async (keyHash) => (await client.query('SELECT account_id FROM api_key WHERE key_hash = $1', [keyHash])).rows[0].account_id);
  const accountOf = new Map<string, number>();
  for (const [b, buyer] of values.entries()) {
    accountOf.set(buyer.accountId, b);
    await client.query('INSERT INTO bench_buyer VALUES ($1, $2, $3, $4, $5)', [b, buyer.accountId, buyer.addressId, buyer.personId, buyer.keyHash]);
  }
  await client.end();

  // Each purchase's own values are pgbench variables, sent as parameters of the prepared statements
  // (-M prepared) as Bilby sends its own; other values stay as captured, as constants.
  const ids = new Map<string, string>();
  const constants = new Map<string, string>();
  const capturedDid = capturedNumber(captured.map((query) => query.values));
  const buyerIds = new Set(buyers.accounts.flatMap((b) => [b.addressId, b.personId]));
  const variable = (text: string): string | undefined => {
    if (text === capturedDid) return ':did';
    if (accountOf.has(text)) return ':account_id';
    if (buyerIds.has(text)) return buyers.accounts.some((b) => b.addressId === text) ? ':address_id' : ':person_id';
    if (/^[0-9a-f]{64}$/.test(text)) return ':key_hash';
    if (/^(ord|hold|hld|txn)_[0-9a-f]{32}$/.test(text)) {
      if (!ids.has(text)) ids.set(text, `id${ids.size}`);
      return `:${ids.get(text)}`;
    }
    return undefined;
  };
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    const text = value instanceof Date ? value.toISOString() : String(value);
    const own = variable(text);
    if (own) return own;
    if (!text.includes(':')) return `'${text.replaceAll("'", "''")}'`;
    // pgbench would take ":false" or ":26" inside a string for a variable: pass it as one.
    let name = [...constants].find(([, known]) => known === text)?.[0];
    if (!name) constants.set((name = `c${constants.size}`), text);
    return `:${name}`;
  };
  const statements = captured.map((query) => {
    const sql = query.text.replace(/\$(\d+)/g, (_, index: string) => literal(query.values[Number(index) - 1]));
    return `${sql.replace(/\s+/g, ' ').trim()};`;
  });
  // One lookup a purchase (Bilby's purchases need none): its number, its buyer and fresh ids.
  const freshIds = [...ids].map(([text, name]) => `, '${text.slice(0, text.indexOf('_'))}_${name}_' || :client_id::text || '-' || :i::text AS ${name}`);
  const lines = [
    '\\set i :i + 1',
    '\\set n :base + :client_id * :per + (:i % :per)',
    `\\set b :client_id % ${buyers.accounts.length}`,
    `SELECT s.did, b.account_id, b.address_id, b.person_id, b.key_hash${freshIds.join('')} FROM bench_stock s, bench_buyer b WHERE s.n = :n AND b.b = :b \\gset`,
    ...statements,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, constants: Object.fromEntries(constants) };
}

/** A pgbench script and the values of the constants it takes as variables (-D). */
export interface PgbenchScript {
  path: string;
  constants: Record<string, string>;
}

/**
 * pgbench with the script, `clients` connections, for `seconds`: transactions (purchases) per second.
 * The run's clients share the script's numbers from `share.from`, `share.count` of them, and number
 * their ids from `share.firstId`, so that runs on one database never buy the same number twice.
 * Statements are prepared once per connection (-M prepared), as Bilby's are: re-planned on every
 * call, the one-statement reservation and completion made pgbench slower than Bilby itself.
 */
export function runPgbench(
  url: string,
  script: PgbenchScript,
  clients: number,
  seconds: number,
  share: { from: number; count: number; firstId: number },
): { tps: number; failed: number } {
  const per = Math.floor(share.count / clients);
  const output = execFileSync(
    'pgbench',
    ['-n', '-M', 'prepared', '-f', script.path, ...Object.entries(script.constants).flatMap(([name, value]) => ['-D', `${name}=${value}`]), '-c', String(clients), '-j', '2', '-T', String(seconds), '--max-tries=30', '-D', `i=${share.firstId}`, '-D', `base=${share.from}`, '-D', `per=${per}`, url],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
  return { tps, failed };
}

export const PGBENCH_SCRIPT = join('bench', '.data', 'purchase.pgbench.sql');
