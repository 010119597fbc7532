import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Database } from '../server/src/store/database.js';
import { MIGRATION_NAMES, migrateTo, migrateToLatest } from '../server/src/store/migrate.js';
import { listNumberEvents } from '../server/src/store/number-event-store.js';
import { searchAvailable } from '../server/src/store/stock-search.js';
import { describeEachDatabase, openTestDatabase, type TestDatabase } from './helpers/databases.js';

const AT = '2026-01-01T00:00:00.000Z';
/** 40 numbers in stock and one active on the account, as version 0002 stored them. */
const STOCK = Array.from({ length: 40 }, (_, i) => `6129123${String(4000 + i * 7).padStart(4, '0')}`);
const OWNED = '61291239999';

describeEachDatabase('upgrading a database an earlier version left', (dialect) => {
  let dir: string;
  let test: TestDatabase;
  let database: Database;
  let applied: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    test = await openTestDatabase(dialect, dir);
    database = test.database;
    assert.deepEqual(await migrateTo(database, '0002-idempotency-and-rate-limits'), MIGRATION_NAMES.slice(0, 2));
    const db = database.db;
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 12345, 0, ${AT})`.execute(db);
    for (const [i, did] of STOCK.entries()) {
      await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                  status, block_premium, created_at, updated_at)
                VALUES (${did}, 'AU', 'geographic', 'NSW', 'Sydney', 0, ${100 + i}, 'available', 1, ${AT}, ${AT})`.execute(db);
    }
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, account_id, block_premium, purchased_at, created_at, updated_at)
              VALUES (${OWNED}, 'AU', 'geographic', 'NSW', 'Sydney', 0, 500, 'active', 'acc_old', 1, ${AT}, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO idempotency_key (account_id, key, fingerprint, state, response_status, response_body, order_id, created_at, updated_at)
              VALUES ('acc_old', 'retry-1', 'fp', 'done', 200, '{"ok":true}', NULL, ${AT}, ${AT})`.execute(db);
    applied = await migrateToLatest(database);
  });

  after(async () => {
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every later migration once', () => {
    assert.deepEqual(applied, MIGRATION_NAMES.slice(2));
  });

  it('keeps the idempotency key, now scoped to its account', async () => {
    const { rows } = await sql<{ scope: string; key: string; response_status: number; response_body: string }>`
      SELECT scope, key, response_status, response_body FROM idempotency_record`.execute(database.db);
    assert.deepEqual(rows.map((row) => ({ ...row, response_status: Number(row.response_status) })), [
      { scope: 'acc_old', key: 'retry-1', response_status: 200, response_body: '{"ok":true}' },
    ]);
  });

  it('keeps every number, its owner and its price, marked as priced one by one', async () => {
    const { rows } = await sql<{ did_number: string; status: string; account_id: string | null; monthly_cost_cents: number; custom_price: number }>`
      SELECT did_number, status, account_id, monthly_cost_cents, custom_price FROM phone_number ORDER BY did_number`.execute(database.db);
    assert.equal(rows.length, STOCK.length + 1);
    for (const row of rows) assert.equal(Number(row.custom_price), 1);
    const owned = rows.find((row) => row.did_number === OWNED)!;
    assert.deepEqual([owned.status, owned.account_id, Number(owned.monthly_cost_cents)], ['active', 'acc_old', 500]);
    const { rows: balances } = await sql<{ balance_cents: number }>`SELECT balance_cents FROM account WHERE id = 'acc_old'`.execute(database.db);
    assert.equal(Number(balances[0]!.balance_cents), 12345);
  });

  it('finds the old stock through the new indexes, by ending and by price', async () => {
    const all = await searchAvailable(database.db, { country: 'AU', state: 'NSW' }, { limit: 100 });
    assert.deepEqual(all.rows.map((row) => row.did_number), STOCK);
    const ending = await searchAvailable(database.db, { country: 'AU', endsWith: '4014' }, { limit: 100 });
    assert.deepEqual(ending.rows.map((row) => row.did_number), ['61291234014']);
    const cheap = await searchAvailable(database.db, { country: 'AU', numberType: 'geographic', maxMonthlyCents: 102 }, { limit: 100 });
    assert.deepEqual(cheap.rows.map((row) => row.did_number), STOCK.slice(0, 3));
  });
});

describeEachDatabase('numbers stocked before each number named its carrier', (dialect) => {
  /** A database at 0015 holding one available and one active number, served in reseller mode or not. */
  async function upgraded(t: import('node:test').TestContext, reseller: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = test.database.db;
    await migrateTo(test.database, '0015-release-order');
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 0, 0, ${AT})`.execute(db);
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, block_premium, created_at, updated_at)
              VALUES ('61291230001', 'AU', 'geographic', 'NSW', 'Sydney', 0, 100, 'available', 0, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, account_id, block_premium, purchased_at, created_at, updated_at)
              VALUES ('61291230002', 'AU', 'geographic', 'NSW', 'Sydney', 0, 100, 'active', 'acc_old', 0, ${AT}, ${AT}, ${AT})`.execute(db);
    // Served with BILBY_CARRIER=crazytel: the upstream's request budget is there.
    if (reseller) await sql`INSERT INTO upstream_budget_slot (carrier, slot, sent_at_ms) VALUES ('crazytel', 0, 0)`.execute(db);
    await migrateToLatest(test.database);
    const { rows } = await sql<{ did_number: string; carrier: string; upstream_monthly_cost_cents: number | null; gone_upstream: number }>`
      SELECT did_number, carrier, upstream_monthly_cost_cents, gone_upstream FROM phone_number ORDER BY did_number`.execute(db);
    return rows.map((row) => ({ ...row, gone_upstream: Number(row.gone_upstream) }));
  }

  it('gives every number the simulated carrier where the database was never served in reseller mode', async (t) => {
    assert.deepEqual(await upgraded(t, false), [
      { did_number: '61291230001', carrier: 'simulated', upstream_monthly_cost_cents: null, gone_upstream: 0 },
      { did_number: '61291230002', carrier: 'simulated', upstream_monthly_cost_cents: null, gone_upstream: 0 },
    ]);
  });

  it('gives every number the crazytel carrier where the database was served in reseller mode, sold or not', async (t) => {
    assert.deepEqual(await upgraded(t, true), [
      { did_number: '61291230001', carrier: 'crazytel', upstream_monthly_cost_cents: null, gone_upstream: 0 },
      { did_number: '61291230002', carrier: 'crazytel', upstream_monthly_cost_cents: null, gone_upstream: 0 },
    ]);
  });
});

describeEachDatabase('upgrading to monthly rental (0020)', (dialect) => {
  it('gives every number sold its tenure from its purchase date, the GST of every charge, and a ledger that takes rentals with its constraints kept', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = test.database.db;
    await migrateTo(test.database, '0019-upstream-configuration');
    // Bought at 20:00 UTC on 30 January: 31 January in Sydney.
    const bought = '2026-01-30T20:00:00.000Z';
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 8766, 0, ${AT})`.execute(db);
    for (const [did, status] of [['61291230001', 'active'], ['61291230002', 'quarantine']] as const) {
      await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                  status, account_id, order_id, block_premium, purchased_at, created_at, updated_at)
                VALUES (${did}, 'AU', 'geographic', 'NSW', 'Sydney', 0, 1234, ${status}, ${status === 'active' ? 'acc_old' : null},
                  ${status === 'active' ? `ord_${did}` : null}, 0, ${status === 'active' ? bought : null}, ${AT}, ${AT})`.execute(db);
      await sql`INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents,
                  address_id, person_id, primary_route, created_at, updated_at, completed_at)
                VALUES (${`ord_${did}`}, 'acc_old', ${did}, 'completed', 1234, 0, 1234, 'adr', 'per', 'device', ${bought}, ${bought}, ${bought})`.execute(db);
      await sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at)
                VALUES (${`txn_${did}`}, 'acc_old', 'purchase', -1234, 0, ${`ord_${did}`}, 'Purchase', ${bought})`.execute(db);
    }
    await sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at)
              VALUES ('txn_credit', 'acc_old', 'credit', 11234, 11234, NULL, 'Top-up', ${AT})`.execute(db);
    await sql`INSERT INTO ledger_entry (transaction_id, ledger_account, amount_cents) VALUES ('txn_credit', 'acc_old', 11234)`.execute(db);

    assert.deepEqual(await migrateToLatest(test.database), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0020-rental')));
    const tenures = await db.selectFrom('rental').select(['order_id', 'purchased_on', 'next_period', 'next_due_on', 'status']).execute();
    assert.deepEqual(
      tenures.map((row) => ({ ...row, next_period: Number(row.next_period) })),
      [{ order_id: 'ord_61291230001', purchased_on: '2026-01-31', next_period: 1, next_due_on: '2026-02-28', status: 'active' }],
      'only the number still sold has a tenure, renewing on the last day of February',
    );
    const gst = await db.selectFrom('ledger_transaction').select(['id', 'gst_cents']).orderBy('id').execute();
    assert.deepEqual(
      gst.map((row) => [row.id, Number(row.gst_cents)]),
      [['txn_61291230001', -112], ['txn_61291230002', -112], ['txn_credit', 0]],
    );
    // The rebuilt ledger (SQLite) keeps its checks, its unique purchase per order and its children.
    await sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at, gst_cents)
              VALUES ('txn_rent', 'acc_old', 'rental', -1234, 0, 'ord_61291230001', 'Rental', ${AT}, -112)`.execute(db);
    await assert.rejects(
      sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, description, created_at)
          VALUES ('txn_bad', 'acc_old', 'bogus', 0, 0, 'x', ${AT})`.execute(db),
      /check|constraint/i,
    );
    await assert.rejects(
      sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at)
          VALUES ('txn_twice', 'acc_old', 'purchase', -1, 0, 'ord_61291230001', 'x', ${AT})`.execute(db),
      /unique|duplicate/i,
    );
    await assert.rejects(
      sql`INSERT INTO ledger_entry (transaction_id, ledger_account, amount_cents) VALUES ('txn_missing', 'acc_old', 1)`.execute(db),
      /foreign key/i,
    );
    assert.equal((await db.selectFrom('ledger_entry').select('transaction_id').execute()).length, 1, 'the entries survived the rebuild');
  });
});

describeEachDatabase("upgrading to numbers' histories (0022)", (dialect) => {
  it('gives every sale and release made before it its event, in order, and nothing for a failed purchase', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = test.database.db;
    await migrateTo(test.database, '0020-rental');
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 0, 0, ${AT})`.execute(db);
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, account_id, block_premium, created_at, updated_at)
              VALUES ('61291230001', 'AU', 'geographic', 'NSW', 'Sydney', 500, 1000, 'active', 'acc_old', 0, ${AT}, ${AT})`.execute(db);
    const orders = [
      ['ord_0190000000007000800000000000001', 'completed', '2026-01-02T00:00:00.000Z'],
      ['ord_0190000000007000800000000000002', 'failed', '2026-01-03T00:00:00.000Z'],
      ['ord_0190000000007000800000000000003', 'completed', '2026-01-05T00:00:00.000Z'],
    ] as const;
    for (const [id, status, at] of orders) {
      await sql`INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents,
                  address_id, person_id, primary_route, created_at, updated_at, completed_at)
                VALUES (${id}, 'acc_old', '61291230001', ${status}, 1500, 500, 1000, 'adr', 'per', 'device', ${at}, ${at},
                  ${status === 'completed' ? at : null})`.execute(db);
    }
    await sql`INSERT INTO release_order (id, account_id, did_number, status, created_at, updated_at)
              VALUES ('rel_0190000000007000800000000000004', 'acc_old', '61291230001', 'completed', '2026-01-04T00:00:00.000Z', '2026-01-04T00:00:00.000Z')`.execute(db);

    assert.deepEqual(await migrateToLatest(test.database), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0020-rental') + 1));
    const events = await db.selectFrom('number_event').selectAll().orderBy('id').execute();
    assert.deepEqual(
      events.map((row) => [row.id, row.kind, row.account_id, row.actor, row.request_id, row.created_at, JSON.parse(row.details)]),
      [
        ['evt_0190000000007000800000000000001', 'purchased', 'acc_old', 'system', null, '2026-01-02T00:00:00.000Z',
          { order_id: orders[0][0], amount_cents: 1500, configuration: {}, backfilled: true }],
        ['evt_0190000000007000800000000000003', 'purchased', 'acc_old', 'system', null, '2026-01-05T00:00:00.000Z',
          { order_id: orders[2][0], amount_cents: 1500, configuration: {}, backfilled: true }],
        ['evt_0190000000007000800000000000004', 'released', 'acc_old', 'system', null, '2026-01-04T00:00:00.000Z',
          { release_id: 'rel_0190000000007000800000000000004', backfilled: true }],
      ],
    );
  });
});

describeEachDatabase('upgrading to restores (0024)', (dialect) => {
  it('leaves the releases made before it unrestorable, and checks what a restore records', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = test.database.db;
    await migrateTo(test.database, '0023-price-plan');
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 0, 0, ${AT})`.execute(db);
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, block_premium, created_at, updated_at, quarantine_until)
              VALUES ('61291230001', 'AU', 'geographic', 'NSW', 'Sydney', 500, 1000, 'quarantine', 0, ${AT}, ${AT}, '2026-02-01T00:00:00.000Z')`.execute(db);
    await sql`INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents,
                address_id, person_id, primary_route, created_at, updated_at, completed_at)
              VALUES ('ord_old', 'acc_old', '61291230001', 'completed', 1500, 500, 1000, 'adr', 'per', 'device', ${AT}, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO rental (order_id, did_number, account_id, purchased_on, next_period, next_due_on, status, ended_at, created_at, updated_at)
              VALUES ('ord_old', '61291230001', 'acc_old', '2026-01-01', 1, '2026-02-01', 'ended', ${AT}, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO release_order (id, account_id, did_number, status, created_at, updated_at)
              VALUES ('rel_old', 'acc_old', '61291230001', 'completed', ${AT}, ${AT})`.execute(db);

    assert.deepEqual(await migrateToLatest(test.database), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0024-restore')));
    const release = await db.selectFrom('release_order').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([release.tenure_order_id, release.configuration, release.restorable_until, release.quarantine_until], [null, null, null, null]);

    const restore = (id: string, amount: number, status = 'completed') =>
      sql`INSERT INTO restore_order (id, account_id, did_number, release_id, tenure_order_id, status, amount_cents, monthly_cents,
            first_period, last_period, created_at, updated_at)
          VALUES (${id}, 'acc_old', '61291230001', 'rel_old', 'ord_old', ${status}, ${amount}, 1000, 1, 1, ${AT}, ${AT})`.execute(db);
    await assert.rejects(restore('rst_wrong', 999), /check|constraint/i, 'the amount is its periods at the monthly price');
    await restore('rst_failed', 1000, 'failed');
    await restore('rst_done', 1000);
    await assert.rejects(restore('rst_twice', 1000), /unique|duplicate/i, 'a release is restored once');
  });
});

describeEachDatabase('upgrading to renewals read from the charges (0026)', (dialect) => {
  it('drops the renewed events written before it, and the history shows each charged period as one, with the other events kept', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-upgrade-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = test.database.db;
    await migrateTo(test.database, '0023-price-plan');
    const did = '61291230001';
    const order = 'ord_0190000000007000800000000000001';
    const charged = '2026-02-02T01:00:00.000Z';
    await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
              VALUES ('acc_old', 'A0001', 'Old customer', 'active', 0, 0, ${AT})`.execute(db);
    await sql`INSERT INTO phone_number (did_number, country, number_type, state, city, setup_cost_cents, monthly_cost_cents,
                status, account_id, order_id, block_premium, created_at, updated_at)
              VALUES (${did}, 'AU', 'geographic', 'NSW', 'Sydney', 0, 1000, 'active', 'acc_old', ${order}, 0, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents,
                address_id, person_id, primary_route, created_at, updated_at, completed_at)
              VALUES (${order}, 'acc_old', ${did}, 'completed', 1000, 0, 1000, 'adr', 'per', 'device', ${AT}, ${AT}, ${AT})`.execute(db);
    await sql`INSERT INTO rental (order_id, did_number, account_id, purchased_on, next_period, next_due_on, status, created_at, updated_at)
              VALUES (${order}, ${did}, 'acc_old', '2026-01-02', 2, '2026-03-02', 'active', ${AT}, ${charged})`.execute(db);
    await sql`INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at, gst_cents)
              VALUES ('txn_rent', 'acc_old', 'rental', -1000, 0, ${order}, 'Rental', ${charged}, -91)`.execute(db);
    await sql`INSERT INTO rental_charge (order_id, period, transaction_id, period_start, period_end, amount_cents, charged_at)
              VALUES (${order}, 1, 'txn_rent', '2026-02-02', '2026-03-02', 1000, ${charged})`.execute(db);
    for (const [id, kind, details, at] of [
      ['evt_0190000000007000800000000000001', 'purchased', { order_id: order, amount_cents: 1000, configuration: {} }, AT],
      ['evt_019c1b6b28007000800000000000002', 'renewed', { order_id: order, period: 1, amount_cents: 1000 }, charged],
    ] as const) {
      await sql`INSERT INTO number_event (id, did_number, account_id, kind, details, actor, request_id, created_at)
                VALUES (${id}, ${did}, 'acc_old', ${kind}, ${JSON.stringify(details)}, 'system', NULL, ${at})`.execute(db);
    }

    assert.deepEqual(await migrateToLatest(test.database), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0023-price-plan') + 1));
    const stored = await db.selectFrom('number_event').select('kind').execute();
    assert.deepEqual(stored.map((row) => row.kind), ['purchased'], 'the renewed event is gone from the table');
    const history = await listNumberEvents(db, { didNumber: did, accountId: 'acc_old' }, {});
    assert.deepEqual(
      history.rows.map((event) => [event.kind, event.account_id, event.actor, event.request_id, event.created_at, event.details]),
      [
        ['renewed', 'acc_old', 'system', null, charged, { order_id: order, period: 1, amount_cents: 1000, period_start: '2026-02-02', period_end: '2026-03-02' }],
        ['purchased', 'acc_old', 'system', null, AT, { order_id: order, amount_cents: 1000, configuration: {} }],
      ],
    );
    assert.deepEqual((await listNumberEvents(db, { didNumber: did, accountId: 'acc_other' }, {})).rows, [], "another account sees none of this tenure's renewals");
    const indexes =
      dialect === 'postgres'
        ? await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'rental'`.execute(db)
        : await sql<{ name: string }>`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'rental'`.execute(db);
    const names = indexes.rows.map((row) => row.name);
    assert.ok(names.includes('rental_by_number') && names.includes('rental_due'), names.join());
    assert.ok(!names.includes('rental_due_on'), 'no index moves with every renewal but the run\'s own');
  });
});
