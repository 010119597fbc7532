import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDatabase, type Database } from '../server/src/store/database.js';
import { MIGRATION_NAMES, isMigrated, migrateToLatest } from '../server/src/store/migrate.js';
import { describeEachDatabase, openTestDatabase, type TestDatabase } from './helpers/databases.js';

const PROCESSES = 4;
const ROUNDS = Number(process.env.BILBY_MIGRATION_RACE_ROUNDS ?? 5);
const MIGRATE_PROCESS = fileURLToPath(new URL('./helpers/migrate-process.ts', import.meta.url));

type Answer = { applied: string[] } | { error: string };

/** A migrate-process child: migrate(url) sends it a URL and resolves with its answer. */
function startMigrator(): { child: ChildProcess; migrate(url: string): Promise<Answer> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MIGRATE_PROCESS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(answer: Answer) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Answer));
  return {
    child,
    migrate(url) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin!.write(`${url}\n`);
      });
    },
  };
}

/** The database's tables and their columns, as Kysely's introspection reads them. */
async function schemaOf(database: Database): Promise<string[]> {
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.map((table) => `${table.name}(${table.columns.map((c) => `${c.name} ${c.dataType}`).sort().join(', ')})`).sort();
}

describeEachDatabase('migrations started together', (dialect) => {
  it(`bring a brand-new database up to date once when ${PROCESSES} processes migrate it at the same moment, ${ROUNDS} times over`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-migration-race-'));
    const opened: TestDatabase[] = [];
    const migrators = Array.from({ length: PROCESSES }, startMigrator);
    t.after(async () => {
      for (const migrator of migrators) migrator.child.stdin!.end();
      await Promise.all(migrators.map((m) => new Promise((resolve) => (m.child.exitCode !== null ? resolve(null) : m.child.once('exit', resolve)))));
      for (const test of opened) await test.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const reference = await openTestDatabase(dialect, dir);
    opened.push(reference);
    await migrateToLatest(reference.database);
    const expectedSchema = await schemaOf(reference.database);

    for (let round = 0; round < ROUNDS; round++) {
      // SQLite: a file in a folder, neither of which exists yet; PostgreSQL: an empty schema of its own.
      const roundDir = join(dir, `round-${round}`);
      const fresh = dialect === 'postgres' ? await openTestDatabase(dialect, roundDir) : undefined;
      if (fresh) opened.push(fresh);
      const url = fresh?.url ?? `file:${join(roundDir, 'bilby.db')}`;
      const answers = await Promise.all(migrators.map((migrator) => migrator.migrate(url)));
      const errors = answers.flatMap((answer) => ('error' in answer ? [answer.error.split('\n').slice(0, 8).join(' | ')] : []));
      assert.deepEqual(errors, [], `round ${round}: every process migrated without an error`);
      const applied = answers.flatMap((answer) => ('applied' in answer ? answer.applied : [])).sort();
      assert.deepEqual(applied, [...MIGRATION_NAMES].sort(), `round ${round}: each migration applied by exactly one process`);

      const migrated = fresh ?? (await openTestDatabase(dialect, roundDir));
      if (!fresh) opened.push(migrated);
      assert.ok(await isMigrated(migrated.database), `round ${round}: every migration is recorded`);
      assert.deepEqual(await schemaOf(migrated.database), expectedSchema, `round ${round}: the schema is complete`);
    }
  });
});

it('opens a new SQLite file that another process holds locked, waiting for the lock instead of failing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-open-locked-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bilby.db');
  // Another process starting at the same moment holds the new file's write lock for a while: the
  // switch to WAL then failed at once with 'database is locked', without waiting out busy_timeout.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path)});
       db.exec('BEGIN IMMEDIATE; CREATE TABLE first_writer (x)'); console.log('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700); db.exec('COMMIT');`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  await new Promise<void>((resolve) => createInterface({ input: holder.stdout! }).once('line', () => resolve()));
  const database = createDatabase(`file:${path}`);
  try {
    assert.deepEqual(await migrateToLatest(database), MIGRATION_NAMES);
  } finally {
    await database.close();
  }
  assert.equal(await exited, 0);
});
