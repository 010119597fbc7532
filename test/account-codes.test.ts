import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { createAccount } from '../server/src/services/create-account.js';
import { MIGRATION_NAMES, migrateTo, migrateToLatest } from '../server/src/store/migrate.js';
import { ADMIN_HEADERS, createTestContext } from './helpers/context.js';
import { describeEachDatabase, openTestDatabase } from './helpers/databases.js';

const APPS = 4;
const ACCOUNTS = 128;

describeEachDatabase('account codes', (dialect) => {
  it(`opens ${ACCOUNTS} accounts at once through ${APPS} apps on one database, each answered 201 with a code of its own`, async (t) => {
    const ctx = await createTestContext(t, dialect);
    const apps = [ctx.app];
    for (let i = 1; i < APPS; i++) apps.push((await ctx.createPeerApp()).app);
    const responses = await Promise.all(
      Array.from({ length: ACCOUNTS }, (_, i) =>
        apps[i % APPS]!.inject({
          method: 'POST',
          url: '/admin/v1/accounts',
          headers: ADMIN_HEADERS,
          payload: { name: `Racer ${i}`, opening_credit: 5 },
        }),
      ),
    );
    const failures = responses.filter((r) => r.statusCode !== 201);
    assert.equal(failures.length, 0, `${failures.length} of ${ACCOUNTS} failed, the first: ${failures[0]?.statusCode} ${failures[0]?.body}`);
    const codes = responses.map((r) => r.json().account.account_code as string);
    assert.equal(new Set(codes).size, ACCOUNTS, 'every code is distinct');
    for (const code of codes) assert.match(code, /^\d{7}$/);
    const stored = await ctx.db.selectFrom('account').select(['account_code', 'balance_cents']).execute();
    assert.deepEqual(new Set(stored.map((row) => row.account_code)), new Set(codes));
    assert.ok(stored.every((row) => Number(row.balance_cents) === 500), 'every opening credit landed');
  });

  it('continues after the highest code an earlier version gave, ignoring codes that are not numbers', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-codes-'));
    const test = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const database = test.database;
    const previous = MIGRATION_NAMES[MIGRATION_NAMES.indexOf('0010-account-code-counter') - 1]!;
    await migrateTo(database, previous);
    for (const [id, code] of [['acc_a', '1000001'], ['acc_b', '1000042'], ['acc_c', 'A0001'], ['acc_d', '1000007']]) {
      await sql`INSERT INTO account (id, account_code, name, status, balance_cents, held_cents, created_at)
                VALUES (${id}, ${code}, 'Old customer', 'active', 0, 0, '2026-01-01T00:00:00.000Z')`.execute(database.db);
    }
    await migrateToLatest(database);
    const deps = { database, clock: () => new Date() };
    const first = await createAccount(deps, { name: 'New customer' });
    const second = await createAccount(deps, { name: 'Another' });
    assert.deepEqual([first.account.account_code, second.account.account_code], ['1000043', '1000044']);
  });

  it('starts a new database at 1000001', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const created = await ctx.admin('POST', '/accounts', { body: { name: 'First' } });
    assert.equal(created.body.account.account_code, '1000001');
  });
});
