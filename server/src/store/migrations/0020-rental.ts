import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.js';
import { DEFAULT_BILLING_TIME_ZONE } from '../../domain/billing-defaults.js';
import { calendarDateOf, periodStart } from '../../domain/rental-period.js';

/**
 * Monthly rental (issue 19).
 *
 * - `rental`: a number's tenure with one account, one row per purchase order. Period 0 is the month
 *   paid at purchase; `next_period` is the first one not yet paid and `next_due_on` its first day.
 *   `ended` once the number is released, so no later period can be charged. `release_on`: the
 *   owner asked to release it when the paid period ends; it is not renewed, and released that day.
 * - `rental_charge`: one row per period charged, its primary key the order and the period: a
 *   rerun, a second process or a crash mid-run can at most fail to charge a period twice.
 * - `ledger_transaction.type` gains `rental`, and every transaction records the GST it includes.
 * - `phone_number.suspended`: 1 while a renewal is unpaid. The number stays `active` (its owner and
 *   routing are kept, and the one-owner check still holds); presenters show it as suspended.
 *
 * The numbers sold before this migration get their tenure from their purchase's date, in the
 * default billing time zone (the setting did not exist before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await allowRentalTransactions(db);
  await db.schema.alterTable('ledger_transaction').addColumn('gst_cents', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // One eleventh of a charge or a refund, half a cent up (domain/gst.ts).
  await sql`
    UPDATE ledger_transaction
    SET gst_cents = CASE WHEN amount_cents < 0 THEN -((-amount_cents * 2 + 11) / 22) ELSE (amount_cents * 2 + 11) / 22 END
    WHERE type IN ('purchase', 'refund')`.execute(db);

  await db.schema.alterTable('phone_number').addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('rental')
    .addColumn('order_id', 'text', (c) => c.primaryKey().references('purchase_order.id'))
    .addColumn('did_number', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('purchased_on', 'text', (c) => c.notNull())
    .addColumn('next_period', 'integer', (c) => c.notNull().check(sql`next_period >= 1`))
    .addColumn('next_due_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('active', 'suspended', 'ended')`))
    .addColumn('suspended_since', 'text')
    .addColumn('release_on', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('rental_suspended_since', sql`(status = 'suspended') = (suspended_since IS NOT NULL)`)
    .execute();
  // The run's work list, account by account: a batch's charges then touch the ledger's and the
  // accounts' pages of a few accounts, not of a thousand (its writes are the run's cost). Partial,
  // so ended tenures (every number ever released) cost it nothing.
  await sql`CREATE INDEX rental_due ON rental (account_id, next_due_on, order_id) WHERE status <> 'ended'`.execute(db);
  // What falls due when, for the operator's reports.
  await sql`CREATE INDEX rental_due_on ON rental (next_due_on) WHERE status <> 'ended'`.execute(db);
  // A number has at most one tenure running.
  await sql`CREATE UNIQUE INDEX rental_one_per_number ON rental (did_number) WHERE status <> 'ended'`.execute(db);

  await db.schema
    .createTable('rental_charge')
    .addColumn('order_id', 'text', (c) => c.notNull().references('rental.order_id'))
    .addColumn('period', 'integer', (c) => c.notNull().check(sql`period >= 1`))
    .addColumn('transaction_id', 'text', (c) => c.notNull().unique().references('ledger_transaction.id'))
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn('charged_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rental_charge_pk', ['order_id', 'period'])
    .execute();

  await backfillTenures(db);
}

/**
 * PostgreSQL replaces the type's check. SQLite cannot alter a check: the table is rebuilt (the
 * migrator runs SQLite's migrations with foreign keys off and checks them before it commits).
 */
async function allowRentalTransactions(db: Kysely<unknown>): Promise<void> {
  const check = sql`type IN ('credit', 'purchase', 'refund', 'adjustment', 'rental')`;
  if (dialectOf(db) === 'postgres') {
    await sql`ALTER TABLE ledger_transaction DROP CONSTRAINT ledger_transaction_type_known`.execute(db);
    await sql`ALTER TABLE ledger_transaction ADD CONSTRAINT ledger_transaction_type_known CHECK (${check})`.execute(db);
    return;
  }
  const objects = await sql<{ type: string; name: string; sql: string | null }>`
    SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'ledger_transaction'`.execute(db);
  const table = objects.rows.find((row) => row.type === 'table');
  const before = "type IN ('credit', 'purchase', 'refund', 'adjustment')";
  if (!table?.sql?.includes(before)) throw new Error('ledger_transaction is not as migration 0001 left it');
  const rebuilt = table.sql
    .replace(before, "type IN ('credit', 'purchase', 'refund', 'adjustment', 'rental')")
    .replace(/^CREATE TABLE "?ledger_transaction"?/i, 'CREATE TABLE "ledger_transaction_rebuilt"');
  await sql.raw(rebuilt).execute(db);
  await sql`INSERT INTO ledger_transaction_rebuilt SELECT * FROM ledger_transaction`.execute(db);
  await sql`DROP TABLE ledger_transaction`.execute(db);
  await sql`ALTER TABLE ledger_transaction_rebuilt RENAME TO ledger_transaction`.execute(db);
  for (const index of objects.rows) {
    if (index.type === 'index' && index.sql) await sql.raw(index.sql).execute(db);
  }
}

const BACKFILL_BATCH = 500;

async function backfillTenures(db: Kysely<unknown>): Promise<void> {
  const now = new Date().toISOString();
  let after = '';
  for (;;) {
    const sold = await sql<{ order_id: string; did_number: string; account_id: string; purchased_at: string }>`
      SELECT n.order_id, n.did_number, n.account_id, COALESCE(n.purchased_at, o.completed_at, o.created_at) AS purchased_at
      FROM phone_number n JOIN purchase_order o ON o.id = n.order_id AND o.status = 'completed'
      WHERE n.status = 'active' AND n.order_id > ${after}
      ORDER BY n.order_id LIMIT ${BACKFILL_BATCH}`.execute(db);
    if (sold.rows.length === 0) return;
    const rows = sold.rows.map((row) => {
      const purchasedOn = calendarDateOf(new Date(row.purchased_at), DEFAULT_BILLING_TIME_ZONE);
      return sql`(${row.order_id}, ${row.did_number}, ${row.account_id}, ${purchasedOn}, 1, ${periodStart(purchasedOn, 1)}, 'active', ${now}, ${now})`;
    });
    await sql`
      INSERT INTO rental (order_id, did_number, account_id, purchased_on, next_period, next_due_on, status, created_at, updated_at)
      VALUES ${sql.join(rows)}`.execute(db);
    after = sold.rows[sold.rows.length - 1]!.order_id;
  }
}
