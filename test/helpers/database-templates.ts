import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../../server/src/store/database.js';
import { migrateToLatest } from '../../server/src/store/migrate.js';

/**
 * Migrating a database is most of what a test's setup costs, and the suite makes hundreds. So each dialect is migrated once into a template, named by a hash of the
 * migrations' source so an edited migration makes a new one, and every test starts from a copy: a
 * file copy on SQLite, a replay of the template schema's dump on PostgreSQL. Test files run in
 * parallel processes, so a template is made once under a lock (a rename, an advisory lock).
 */
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../server/src/store/migrations');

const MIGRATIONS_HASH = (() => {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update('\0').update(readFileSync(join(MIGRATIONS_DIR, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
})();

/** Read when used, not when loaded: tools/run-tests.ts may point TMPDIR elsewhere first. */
const templateDir = () => join(tmpdir(), 'bilby-test-templates');

let sqliteTemplate: Promise<string> | undefined;

/** Makes the templates before test files start, so that parallel files do not each make them. */
export async function prepareTemplates(postgresUrl: string | undefined): Promise<void> {
  sqliteTemplate ??= makeSqliteTemplate();
  if (postgresUrl) postgresDump ??= postgresTemplateDump(postgresUrl);
  await Promise.all([sqliteTemplate, postgresDump]);
}

/** Writes a migrated SQLite database to path (a file that must not exist yet). */
export async function copyMigratedSqlite(path: string): Promise<void> {
  sqliteTemplate ??= makeSqliteTemplate();
  copyFileSync(await sqliteTemplate, path);
}

async function makeSqliteTemplate(): Promise<string> {
  const template = join(templateDir(), `sqlite-${MIGRATIONS_HASH}.db`);
  if (existsSync(template)) return template;
  mkdirSync(templateDir(), { recursive: true });
  // Built in a folder of its own and renamed into place whole: a process that finds the name finds a
  // complete, checkpointed file (closing folds the log into it).
  const building = join(templateDir(), `building-${randomBytes(6).toString('hex')}`);
  mkdirSync(building);
  try {
    const database = createDatabase(`file:${join(building, 'bilby.db')}`);
    await migrateToLatest(database);
    await database.close();
    if (existsSync(join(building, 'bilby.db-wal'))) throw new Error('test template: the SQLite log was not folded in on close');
    renameSync(join(building, 'bilby.db'), template);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

const TEMPLATE_SCHEMA = `bilby_template_${MIGRATIONS_HASH}`;
const TEMPLATE_LOCK = 'select pg_advisory_lock(hashtext($1))';
let postgresDump: Promise<string | null> | undefined;

/**
 * Creates schema, migrated, in the database at url: from the template's dump when pg_dump is at
 * hand, otherwise by running the migrations.
 */
export async function createMigratedSchema(url: string, client: pg.Client, schema: string): Promise<void> {
  postgresDump ??= postgresTemplateDump(url);
  const dump = await postgresDump;
  if (dump === null) {
    await client.query(`create schema ${schema}`);
    await migrateSchema(url, schema);
    return;
  }
  await client.query(dump.replaceAll(TEMPLATE_SCHEMA, schema));
}

/** The dump, kept on disk beside the SQLite template for the test files that follow. */
async function postgresTemplateDump(url: string): Promise<string | null> {
  const file = join(templateDir(), `postgres-${MIGRATIONS_HASH}-${createHash('sha256').update(url).digest('hex').slice(0, 8)}.sql`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const dump = await dumpPostgresTemplate(url);
  if (dump !== null) {
    mkdirSync(templateDir(), { recursive: true });
    const partial = `${file}.${randomBytes(6).toString('hex')}`;
    writeFileSync(partial, dump);
    renameSync(partial, file);
  }
  return dump;
}

async function dumpPostgresTemplate(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(TEMPLATE_LOCK, [TEMPLATE_SCHEMA]);
    const { rowCount } = await client.query('select 1 from information_schema.schemata where schema_name = $1', [TEMPLATE_SCHEMA]);
    if (!rowCount) {
      await client.query(`create schema ${TEMPLATE_SCHEMA}`);
      await migrateSchema(url, TEMPLATE_SCHEMA);
    }
    return await pgDump(url);
  } finally {
    await client.end();
  }
}

async function migrateSchema(url: string, schema: string): Promise<void> {
  const database = createDatabase(url, { schema });
  try {
    await migrateToLatest(database);
  } finally {
    await database.close();
  }
}

const execFileAsync = promisify(execFile);

/** The template schema as SQL one simple query can run: pg_dump's psql-only lines left out. */
async function pgDump(url: string): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync(
      'pg_dump',
      ['--dbname', url, '--schema', TEMPLATE_SCHEMA, '--no-owner', '--no-privileges', '--inserts', '--no-comments'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const sql = stdout
      .split('\n')
      .filter((line) => !line.startsWith('\\'))
      .join('\n');
    return `begin;\n${sql}\ncommit;`;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    console.error(`# test databases: pg_dump failed (${reason}); each PostgreSQL test schema is migrated instead`);
    return null;
  }
}
