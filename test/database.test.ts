import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { PostgresIntrospector, sql } from 'kysely';
import { createAccount } from '../server/src/services/create-account.js';
import { createDatabase } from '../server/src/store/database.js';
import { MIGRATION_NAMES, migrateToLatest } from '../server/src/store/migrate.js';
import { describeEachDatabase, migratedTestDatabase, openTestDatabase } from './helpers/databases.js';

describeEachDatabase('write transactions', (dialect) => {
  it('commits concurrent write transactions together, each in its own savepoint: one that fails leaves the others', async (t) => {
    const database = await migratedTestDatabase(t, dialect);
    const before = database.stats.commits;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        database.writeTransaction(async (trx) => {
          await trx.insertInto('rate_limit_window').values({ key_id: `k${i}`, window_start: 'w', hits: i }).execute();
          if (i === 7) throw new Error('this one fails after writing');
          return i;
        }),
      ),
    );
    assert.deepEqual(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.message), ['this one fails after writing']);
    assert.deepEqual(outcomes.filter((o) => o.status === 'fulfilled').length, 39);
    const rows = await database.db.selectFrom('rate_limit_window').select('key_id').execute();
    assert.equal(rows.length, 39);
    assert.ok(!rows.some((row) => row.key_id === 'k7'), "the failed transaction's write was rolled back");
    const commits = database.stats.commits - before;
    if (dialect === 'sqlite') assert.ok(commits < 10, `40 transactions took ${commits} commits`);
    else assert.equal(commits, 39);
  });

  it('retries a serialization conflict inside the server, so both writers succeed', async (t) => {
    const database = await migratedTestDatabase(t, dialect);
    const { account } = await createAccount({ database, clock: () => new Date() }, { name: 'race', openingCreditCents: 0 });

    // Both transactions read the row, wait for each other, then write it: on PostgreSQL one of
    // them must fail with a serialization error and run again; on SQLite they simply queue.
    let attempts = 0;
    let arrived = 0;
    let release: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const writer = () =>
      database.writeTransaction(async (trx) => {
        attempts++;
        const row = await trx.selectFrom('account').select('held_cents').where('id', '=', account.id).executeTakeFirstOrThrow();
        if (++arrived === 2) release();
        if (dialect === 'postgres') await Promise.race([bothRead, new Promise((r) => setTimeout(r, 500))]);
        await trx.updateTable('account').set({ name: sql`name || ${String(row.held_cents)}` }).where('id', '=', account.id).execute();
      });
    await Promise.all([writer(), writer()]);
    const final = await database.db.selectFrom('account').select('name').where('id', '=', account.id).executeTakeFirstOrThrow();
    assert.equal(final.name, 'race00', 'both writes landed');
    if (dialect === 'postgres') assert.ok(attempts >= 3, `a conflict was retried (${attempts} attempts)`);
    else assert.equal(attempts, 2);
  });
});

describeEachDatabase('PostgreSQL connections', (dialect) => {
  it('survives the database dropping its connections, as a restart does', { skip: dialect !== 'postgres' && 'PostgreSQL only' }, async (t) => {
    const database = await migratedTestDatabase(t, dialect);
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.01)`.execute(database.db)));
    const schema = database.location.match(/schema (\w+)/)![1];
    // One connection checked out by a transaction between two statements, the others idle.
    const inFlight = database.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await new Promise((resolve) => setTimeout(resolve, 400));
        await sql`select 1`.execute(trx);
      })
      .then(
        () => 'finished',
        () => 'failed',
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const admin = await openTestDatabase(dialect, tmpdir());
    const killed = await sql<{ pid: number }>`select pg_terminate_backend(pid) as pid from pg_stat_activity where application_name = ${`bilby:${schema}`}`.execute(admin.database.db);
    await admin.dispose();
    assert.ok(killed.rows.length >= 2, 'busy and idle connections were terminated');
    assert.equal(await inFlight, 'failed', 'the transaction in flight failed, and only it');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    assert.equal(after.rows[0]!.one, 1, 'the pool reconnected and the process is alive');
  });
});

describeEachDatabase('migrations', (dialect) => {
  it('migrates a PostgreSQL schema while another schema of the same database is already migrated', { skip: dialect !== 'postgres' && 'PostgreSQL only' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-db-'));
    const first = await openTestDatabase(dialect, dir);
    const second = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await first.dispose();
      await second.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    assert.deepEqual(await migrateToLatest(first.database), MIGRATION_NAMES);
    assert.deepEqual(await migrateToLatest(second.database), MIGRATION_NAMES);
    assert.deepEqual(await migrateToLatest(second.database), [], 'a second run applies nothing');
    const accounts = await second.database.db.selectFrom('account').select('id').execute();
    assert.deepEqual(accounts, []);
  });

  it('introspects the schema in use only, as Kysely does for that schema', { skip: dialect !== 'postgres' && 'PostgreSQL only' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-db-'));
    const ours = await openTestDatabase(dialect, dir, { migrated: true });
    const other = await openTestDatabase(dialect, dir);
    t.after(async () => {
      await ours.dispose();
      await other.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    await sql`create table not_ours (id serial primary key, note text)`.execute(other.database.db);
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(ours.database.db);
    const schema = rows[0]!.schema;
    const tables = await ours.database.db.introspection.getTables({ withInternalKyselyTables: true });
    assert.ok(tables.length > 10, `read the schema's tables (${tables.length})`);
    assert.deepEqual([...new Set(tables.map((table) => table.schema))], [schema]);
    // Kysely's own introspector, over every schema, agrees on every field of ours.
    // Kysely's reads every schema's tables, and fails (3F000) when another test file drops its schema
    // meanwhile: what Bilby's own introspector is for. Asked again until a read goes through.
    const everySchema = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await new PostgresIntrospector(ours.database.db).getTables({ withInternalKyselyTables: true });
        } catch (error) {
          if ((error as { code?: string }).code !== '3F000' || attempt === 5) throw error;
        }
      }
    };
    const kysely = (await everySchema()).filter((table) => table.schema === schema);
    const plain = (list: typeof tables) => JSON.parse(JSON.stringify(list)) as unknown;
    assert.deepEqual(plain(tables), plain(kysely));
    const withoutInternal = await ours.database.db.introspection.getTables();
    assert.deepEqual(withoutInternal.map((table) => table.name), tables.map((table) => table.name).filter((name) => !name.startsWith('kysely_')));
  });

  it('migrates while another schema of the same database is created and dropped over and over', { skip: dialect !== 'postgres' && 'PostgreSQL only' }, async (t) => {
    // Another application (or another test file) dropping its tables while Bilby starts: Kysely's
    // own introspection resolved every schema's tables and failed on one that vanished mid-query.
    const dir = mkdtempSync(join(tmpdir(), 'bilby-db-'));
    const churner = await openTestDatabase(dialect, dir);
    const opened = [churner];
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(churner.database.db);
    const other = sql.id(`${rows[0]!.schema}_other`);
    let churning = true;
    let churns = 0;
    const churn = (async () => {
      while (churning) {
        await sql`create schema ${other}`.execute(churner.database.db);
        await sql`create table ${other}.t (id serial primary key)`.execute(churner.database.db);
        await sql`drop schema ${other} cascade`.execute(churner.database.db);
        churns++;
      }
    })();
    t.after(async () => {
      churning = false;
      await churn.catch(() => {});
      await sql`drop schema if exists ${other} cascade`.execute(churner.database.db);
      for (const test of opened) await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    for (let round = 0; round < 15; round++) {
      const fresh = await openTestDatabase(dialect, dir);
      opened.push(fresh);
      assert.deepEqual(await migrateToLatest(fresh.database), MIGRATION_NAMES, `round ${round}`);
      assert.deepEqual(await migrateToLatest(fresh.database), [], `round ${round}: a second run applies nothing`);
    }
    churning = false;
    await churn;
    assert.ok(churns > 0, `the other schema was dropped while the migrations ran (${churns} times)`);
  });
});

describe('SQLite statistics', () => {
  it('drops what ANALYZE recorded when it opens a database, so plans are those of a database never analysed', async (t) => {
    // With row counts, rare statuses were found by reading every number; with samples, statements
    // that read one were prepared again on every execution.
    const dir = mkdtempSync(join(tmpdir(), 'bilby-db-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'bilby.db');
    const first = createDatabase(`file:${path}`);
    await migrateToLatest(first);
    await createAccount({ database: first, clock: () => new Date() }, { name: 'analysed' });
    await first.close();

    const statistics = () => {
      const sqlite = new SqliteDatabase(path, { readonly: true });
      const names = sqlite.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%' ORDER BY name").pluck().all();
      sqlite.close();
      return names;
    };
    const analyse = new SqliteDatabase(path);
    analyse.exec('ANALYZE');
    analyse.close();
    assert.deepEqual(statistics(), ['sqlite_stat1', 'sqlite_stat4'], 'this build of SQLite samples indexes');

    const reopened = createDatabase(`file:${path}`);
    const accounts = await reopened.db.selectFrom('account').select('name').execute();
    await reopened.close();
    assert.deepEqual(accounts, [{ name: 'analysed' }]);
    assert.deepEqual(statistics(), []);
  });
});
