import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { soakAccount, soakNumbers } from '../soak/setup.js';
import { createDatabase } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';
import { cleanupList } from '../test/helpers/cleanup.js';
import { startServer, type ServerFrom } from '../test/helpers/server-process.js';
import { load, type LoadResult } from './load.js';
import type { Row } from './row.js';

/** Active numbers renewed by the run (BENCH_BILLING_ROWS). */
const ROWS = Number(process.env.BENCH_BILLING_ROWS ?? 1_000_000);
const ACCOUNTS = 1_000;
const PURCHASED_ON = '2026-10-15';
/** Midday in Sydney on the first renewal's day. */
const AS_OF = '2026-11-15T02:00:00.000Z';
const ADMIN_KEY = 'bench-admin-key-0123456789';
const SEARCH_SECONDS = 5;

/**
 * One billing run over ROWS active numbers, each with a month due, in a server process on SQLite,
 * while searches load its API: renewals a second, against the same writes made row by row with
 * better-sqlite3 on a copy of the same file (no HTTP, planning or batching: a reference, not a
 * floor); and the searches' p99 during the run against the same load just before it.
 */
export async function benchBilling(log: (message: string) => void): Promise<Row[]> {
  const cleanup = cleanupList();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-bench-billing-'));
    cleanup.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'billing.db');
    log(`billing: ${ROWS} active numbers with a month due`);
    const searcher = await prepare(path);
    const referencePath = join(dir, 'reference.db');
    copyFileSync(path, referencePath);
    const reference = renewRowByRow(referencePath);
    log(`billing: row by row with better-sqlite3, ${Math.round(reference)} renewals/s`);

    const { perSecond, worst, before, during } = await measureBillingRun(path, searcher, 'bundle', log);
    const failed = during.reduce((sum, result) => sum + result.non2xx + result.errors, 0);
    return [
      {
        figure: `billing run, ${ROWS.toLocaleString('en')} renewals (SQLite)`,
        bilby: `${Math.round(perSecond).toLocaleString('en')} renewals/s`,
        ceiling: `${Math.round(reference).toLocaleString('en')} renewals/s row by row`,
        ratio: (perSecond / reference).toFixed(2),
        target: '≥ 20,000 renewals/s',
        met: perSecond >= 20_000,
        notes: `one POST /admin/v1/billing/runs in a server process, followed to its end; the reference makes the same writes with better-sqlite3 prepared statements, a transaction per 1,000 renewals, on a copy of the file`,
      },
      {
        figure: 'search p99 during the billing run',
        bilby: `${worst} ms`,
        ceiling: `${before.p99Ms} ms before the run`,
        ratio: (worst / Math.max(before.p99Ms, 1)).toFixed(2),
        target: '≤ 2× (ratio ≤ 2)',
        met: worst <= 2 * Math.max(before.p99Ms, 1) && failed === 0,
        notes: `10 connections of searches in ${during.length} stretches while the run went on (worst stretch shown), ${failed} failed`,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

export interface MeasuredRun {
  perSecond: number;
  /** The worst search p99 of the stretches during the run. */
  worst: number;
  /** The searches just before the run. */
  before: LoadResult;
  /** Each stretch's searches during the run. */
  during: LoadResult[];
}

/**
 * One billing run over the file at `path` (prepared by `prepare`) in a server process started
 * `from` this tree's bundle or a built bin: the searches' load before it, then during it in
 * stretches, and its renewals a second from its POST to its end.
 */
export async function measureBillingRun(path: string, searcher: string, from: ServerFrom, log: (message: string) => void): Promise<MeasuredRun> {
  const env = {
    BILBY_DATABASE_URL: `file:${path}`,
    BILBY_ADMIN_KEY: ADMIN_KEY,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_BILLING_INTERVAL: 'off',
    BILBY_LOG_LEVEL: 'warn',
    // To profile the server through the run: BENCH_SERVER_NODE_OPTIONS='--import FILE', FILE starting
    // node:inspector's profiler and writing the profile on exit (NODE_OPTIONS refuses --cpu-prof).
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
  };
  const server = await startServer([], env, from);
  try {
    const search = (seconds: number, warmUpSeconds = 0) =>
      load({
        url: `${server.base}/api/v1/phone-numbers/available-numbers/?state=NSW&limit=20`,
        headers: { 'x-crazytel-api-key': searcher },
        connections: 10,
        seconds,
        warmUpSeconds,
      });
    const before = await search(SEARCH_SECONDS, SEARCH_SECONDS);
    log(`billing: searches before the run, p99 ${before.p99Ms} ms`);
    const started = performance.now();
    let finished = false;
    const run = postRun(`${server.base}/admin/v1/billing/runs`, JSON.stringify({ as_of: AS_OF }))
      .then(async ({ status, body }) => {
        if (status !== 202) throw new Error(`billing run answered ${status}: ${body}`);
        const ended = await followRun(server.base, (JSON.parse(body) as { id: string }).id);
        if (ended.status !== 'completed') throw new Error(`the billing run ended ${ended.status}: ${ended.error}`);
        return { body: ended, seconds: (performance.now() - started) / 1000 };
      })
      .finally(() => {
        finished = true;
      });
    const during: LoadResult[] = [];
    while (!finished) during.push(await search(Math.min(SEARCH_SECONDS, 3)));
    const { body, seconds } = await run;
    if (body.renewed !== ROWS) throw new Error(`the run renewed ${body.renewed} of ${ROWS}`);
    const perSecond = ROWS / seconds;
    const worst = Math.max(...during.map((result) => result.p99Ms));
    log(`billing: ${Math.round(perSecond)} renewals/s; searches during the run, worst p99 ${worst} ms`);
    log(`billing: each stretch's search p99 (ms) ${during.map((result) => result.p99Ms).join(', ')}, searches a second ${during.map((result) => Math.round(result.rps)).join(', ')}; before the run p99 ${before.p99Ms} ms, ${Math.round(before.rps)} a second`);
    return { perSecond, worst, before, during };
  } finally {
    await server.stop();
  }
}

/** The run once it has ended, asked every 200 ms (its start answered 202 at once). */
async function followRun(base: string, id: string): Promise<{ status: string; renewed: number; error: string | null }> {
  for (;;) {
    const response = await fetch(`${base}/admin/v1/billing/runs/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const run = (await response.json()) as { status: string; renewed: number; error: string | null };
    if (run.status !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function postRun(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The file: migrated, its accounts, ROWS sold numbers each with its tenure, and stock to search. Returns the searcher's key. */
export async function prepare(path: string): Promise<string> {
  const database = createDatabase(`file:${path}`);
  try {
    await migrateToLatest(database);
    const searcher = await soakAccount(database, 100_00);
    await soakNumbers(database, 20_000);
    const at = '2026-10-15T02:00:00.000Z';
    await database.writeTransaction(async (trx) => {
      await sql`
        WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${sql.lit(ACCOUNTS - 1)})
        INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
        SELECT 'acc_bench_' || i, 'B' || (1000000 + i), 'Bench ' || i, 'active', 100000000, 0, ${at} FROM seq`.execute(trx);
      await sql`
        WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${sql.lit(ROWS - 1)})
        INSERT INTO phone_number (did_number, country, number_type, state, city, area_code, setup_cost_cents, monthly_cost_cents, status,
          account_id, order_id, block_premium, address_id, person_id, primary_route, primary_destination, purchased_at, created_at, updated_at)
        SELECT '612' || (90000000 + i), 'AU', 'geographic', 'NSW', 'Sydney', '02', 0, 1000, 'active',
          'acc_bench_' || (i % ${sql.lit(ACCOUNTS)}), 'ord_bench_' || (10000000 + i), 0, ${searcher.addressId}, ${searcher.personId}, 'device', '1000000', ${at}, ${at}, ${at} FROM seq`.execute(trx);
      await sql`
        INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents, address_id, person_id,
          primary_route, created_at, updated_at, completed_at)
        SELECT order_id, account_id, did_number, 'completed', 1000, 0, 1000, address_id, person_id, 'device', ${at}, ${at}, ${at}
        FROM phone_number WHERE order_id LIKE 'ord_bench_%'`.execute(trx);
      await sql`
        INSERT INTO rental (order_id, did_number, account_id, purchased_on, next_period, next_due_on, status, created_at, updated_at)
        SELECT order_id, did_number, account_id, ${PURCHASED_ON}, 1, '2026-11-15', 'active', ${at}, ${at}
        FROM phone_number WHERE order_id LIKE 'ord_bench_%'`.execute(trx);
    });
    return searcher.key;
  } finally {
    await database.close();
  }
}

/** The same renewals as the run, written one row at a time: renewals a second. */
export function renewRowByRow(path: string): number {
  const db = new SqliteDatabase(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // A renewed row leaves the selection: the next batch starts at the first one still due.
    const batch = db.prepare<[string, number]>(
      `SELECT order_id, did_number, account_id FROM rental WHERE status <> 'ended' AND next_due_on <= ? ORDER BY next_due_on, order_id LIMIT ?`,
    );
    const account = db.prepare<[number, string]>('UPDATE account SET balance_cents = balance_cents - ? WHERE id = ? RETURNING balance_cents');
    const ledger = db.prepare(
      `INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at, gst_cents)
       VALUES (?, ?, 'rental', -1000, ?, ?, ?, ?, -91)`,
    );
    const entry = db.prepare('INSERT INTO ledger_entry (transaction_id, ledger_account, amount_cents) VALUES (?, ?, ?)');
    const charge = db.prepare(
      `INSERT INTO rental_charge (order_id, period, transaction_id, period_start, period_end, amount_cents, charged_at) VALUES (?, 1, ?, '2026-11-15', '2026-12-15', 1000, ?)`,
    );
    const advance = db.prepare(`UPDATE rental SET next_period = 2, next_due_on = '2026-12-15', updated_at = ? WHERE order_id = ?`);
    const at = new Date().toISOString();
    const started = performance.now();
    let renewed = 0;
    for (;;) {
      const rows = batch.all('2026-11-15', 1_000) as { order_id: string; did_number: string; account_id: string }[];
      if (rows.length === 0) break;
      db.transaction(() => {
        for (const row of rows) {
          const id = `txn_ref_${row.order_id}`;
          const { balance_cents } = account.get(1000, row.account_id) as { balance_cents: number };
          ledger.run(id, row.account_id, balance_cents, row.order_id, `Rental of ${row.did_number}, 2026-11-15 to 2026-12-15`, at);
          entry.run(id, row.account_id, -1000);
          entry.run(id, 'system:revenue', 1000);
          charge.run(row.order_id, id, at);
          advance.run(at, row.order_id);
        }
      })();
      renewed += rows.length;
    }
    if (renewed !== ROWS) throw new Error(`the reference renewed ${renewed} of ${ROWS}`);
    return renewed / ((performance.now() - started) / 1000);
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchBilling((message) => console.log(message));
  console.table(rows);
}
