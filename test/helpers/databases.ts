import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext } from 'node:test';
import pg from 'pg';
import { createDatabase, type Database, type DialectName } from '../../server/src/store/database.js';
import { copyMigratedSqlite, createMigratedSchema } from './database-templates.js';

/** PostgreSQL for tests, as .ci/run sets it; without it the PostgreSQL suites skip and say why. */
export const POSTGRES_URL = process.env.BILBY_TEST_DATABASE_URL || undefined;
const SKIP_REASON = 'BILBY_TEST_DATABASE_URL is not set: PostgreSQL suites skipped (.ci/run sets it)';

/** Defines the suite once per database: the same tests on SQLite and on PostgreSQL. */
export function describeEachDatabase(name: string, suite: (dialect: DialectName) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) describeOnDatabase(name, dialect, suite);
}

/**
 * Defines the suite on one database, as describeEachDatabase does for each: for a long suite whose
 * two databases are two test files, which the runner runs side by side.
 */
export function describeOnDatabase(name: string, dialect: DialectName, suite: (dialect: DialectName) => void): void {
  const skip = dialect === 'postgres' && !POSTGRES_URL ? SKIP_REASON : false;
  describe(`${name} [${dialect}]`, { skip }, () => suite(dialect));
}

export interface TestDatabase {
  database: Database;
  /** The URL a server process would be given for this database. */
  url: string;
  /** Another connection (pool) to the same database, as a second server process would open. */
  reopen(): Database;
  /** Drops what the test created. */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Start from a copy of the migrated template instead of an empty database. */
  migrated?: boolean;
}

/** A fresh database: a SQLite file in dir, or a PostgreSQL schema of its own. */
export async function openTestDatabase(dialect: DialectName, dir: string, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const url = `file:${dir}/bilby.db`;
    if (options.migrated) await copyMigratedSqlite(`${dir}/bilby.db`);
    // With a reader thread, as a server runs: searches in every suite go through it.
    const database = createDatabase(url, { readers: 1 });
    return { database, url, reopen: () => createDatabase(url, { readers: 1 }), dispose: () => database.close() };
  }
  if (!POSTGRES_URL) throw new Error(SKIP_REASON);
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  if (options.migrated) await createMigratedSchema(POSTGRES_URL, admin, schema);
  else await admin.query(`CREATE SCHEMA ${schema}`);
  const database = createDatabase(POSTGRES_URL, { schema });
  return {
    database,
    url: withSearchPath(POSTGRES_URL, schema),
    reopen: () => createDatabase(POSTGRES_URL, { schema }),
    async dispose() {
      await database.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** A migrated database of its own for one test, dropped when the test ends. */
export async function migratedTestDatabase(t: TestContext, dialect: DialectName): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-db-'));
  const { database, dispose } = await openTestDatabase(dialect, dir, { migrated: true });
  t.after(async () => {
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return database;
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
