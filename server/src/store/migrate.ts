import { setTimeout as sleep } from 'node:timers/promises';
import { Migrator, sql, type MigrationResultSet, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Db } from './database.js';
import * as initial from './migrations/0001-initial.js';
import * as idempotencyAndRateLimits from './migrations/0002-idempotency-and-rate-limits.js';
import * as operator from './migrations/0003-operator.js';
import * as cityIndex from './migrations/0004-city-index.js';
import * as stockIndexes from './migrations/0005-stock-indexes.js';
import * as stockTailIndex from './migrations/0006-stock-tail-index.js';
import * as statementChecks from './migrations/0007-statement-checks.js';
import * as ownedNumbersIndex from './migrations/0008-owned-numbers-index.js';
import * as ipndUsageIndexes from './migrations/0009-ipnd-usage-indexes.js';
import * as accountCodeCounter from './migrations/0010-account-code-counter.js';
import * as idempotencyResult from './migrations/0011-idempotency-result.js';
import * as operatorKey from './migrations/0012-operator-key.js';
import * as upstreamRecord from './migrations/0013-upstream-record.js';
import * as upstreamBudget from './migrations/0014-upstream-budget.js';
import * as releaseOrder from './migrations/0015-release-order.js';
import * as numberCarrier from './migrations/0016-number-carrier.js';
import * as catalogueSync from './migrations/0017-catalogue-sync.js';
import * as reconcileReport from './migrations/0018-reconcile-report.js';
import * as upstreamConfiguration from './migrations/0019-upstream-configuration.js';
import * as rental from './migrations/0020-rental.js';
import * as invoice from './migrations/0021-invoice.js';
import * as numberHistory from './migrations/0022-number-history.js';
import * as pricePlan from './migrations/0023-price-plan.js';
import * as restore from './migrations/0024-restore.js';
import * as billingRun from './migrations/0025-billing-run.js';
import * as renewalHistory from './migrations/0026-renewal-history.js';
import * as purchaseSource from './migrations/0027-purchase-source.js';
import * as accountEvents from './migrations/0028-account-events.js';
import * as webhooks from './migrations/0029-webhooks.js';
import * as numberReservations from './migrations/0030-number-reservations.js';
import * as lowBalanceAlert from './migrations/0031-low-balance-alert.js';
import * as bulkOrders from './migrations/0032-bulk-orders.js';

/** Migrations are compiled in, so a built server needs no migration files on disk. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-idempotency-and-rate-limits': idempotencyAndRateLimits,
  '0003-operator': operator,
  '0004-city-index': cityIndex,
  '0005-stock-indexes': stockIndexes,
  '0006-stock-tail-index': stockTailIndex,
  '0007-statement-checks': statementChecks,
  '0008-owned-numbers-index': ownedNumbersIndex,
  '0009-ipnd-usage-indexes': ipndUsageIndexes,
  '0010-account-code-counter': accountCodeCounter,
  '0011-idempotency-result': idempotencyResult,
  '0012-operator-key': operatorKey,
  '0013-upstream-record': upstreamRecord,
  '0014-upstream-budget': upstreamBudget,
  '0015-release-order': releaseOrder,
  '0016-number-carrier': numberCarrier,
  '0017-catalogue-sync': catalogueSync,
  '0018-reconcile-report': reconcileReport,
  '0019-upstream-configuration': upstreamConfiguration,
  '0020-rental': rental,
  '0021-invoice': invoice,
  '0022-number-history': numberHistory,
  '0023-price-plan': pricePlan,
  '0024-restore': restore,
  '0025-billing-run': billingRun,
  '0026-renewal-history': renewalHistory,
  '0027-purchase-source': purchaseSource,
  '0028-account-events': accountEvents,
  '0029-webhooks': webhooks,
  '0030-number-reservations': numberReservations,
  '0031-low-balance-alert': lowBalanceAlert,
  '0032-bulk-orders': bulkOrders,
};

/** Every migration's name, in the order they apply. */
export const MIGRATION_NAMES = Object.keys(MIGRATIONS);

const provider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/**
 * On PostgreSQL the migrator's own tables are pinned to the schema in use: left to itself it would
 * take another schema's migration tables for ours.
 */
async function createMigrator(database: Database): Promise<Migrator> {
  if (database.dialect !== 'postgres') return new Migrator({ db: database.db, provider });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return new Migrator({ db: database.db, provider, migrationTableSchema: rows[0]!.schema });
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  return runMigrator(database, (migrator) => migrator.migrateToLatest());
}

/** Applies migrations up to and including `name` only: what an earlier version of Bilby left. */
export async function migrateTo(database: Database, name: string): Promise<string[]> {
  return runMigrator(database, (migrator) => migrator.migrateTo(name));
}

/**
 * PostgreSQL: Kysely's migrator takes an advisory lock and reads which migrations ran only after
 * it has it. SQLite: its lock is in-process only, so two processes starting on a new file both
 * found nothing applied and both ran the first migration ("table account already exists"). There
 * the whole run is one BEGIN IMMEDIATE transaction: the migrator reads its state under the file's
 * write lock, a second process waits for the first to commit and then finds everything applied,
 * and a migration that fails leaves nothing half done. Foreign keys are off meanwhile (SQLite can
 * alter a table's constraints only by rebuilding it, which a parent table with children cannot do
 * with them on) and checked in full before the commit.
 */
async function runMigrator(database: Database, run: (migrator: Migrator) => Promise<MigrationResultSet>): Promise<string[]> {
  const migrator = await createMigrator(database);
  if (database.dialect !== 'sqlite') return applied(await run(migrator));
  await sql`pragma foreign_keys = off`.execute(database.db);
  try {
    await takeWriteLock(database.db);
    let outcome: MigrationResultSet;
    try {
      outcome = await run(migrator);
      if (!outcome.error && outcome.results?.length) await assertForeignKeysHold(database.db);
    } catch (error) {
      await sql`rollback`.execute(database.db);
      throw error;
    }
    await sql.raw(outcome.error ? 'rollback' : 'commit').execute(database.db);
    return applied(outcome);
  } finally {
    await sql`pragma foreign_keys = on`.execute(database.db);
  }
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function assertForeignKeysHold(db: Db): Promise<void> {
  const broken = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(db);
  if (broken.rows.length > 0) {
    const first = broken.rows[0]!;
    throw new Error(`migration left ${broken.rows.length} rows without their parent (first: ${first.table} → ${first.parent})`);
  }
}

/** How long a process waits for another's migrations before giving up. */
const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;

/**
 * BEGIN IMMEDIATE on the database's one connection, which the migrator then uses. busy_timeout
 * bounds a single wait; another process's migrations (an index over every number) may take longer.
 */
async function takeWriteLock(db: Db): Promise<void> {
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (;;) {
    try {
      await sql`begin immediate`.execute(db);
      return;
    } catch (error) {
      // SQLITE_BUSY_RECOVERY and the other extended codes too: a process opening a new file may
      // find another one rebuilding its log's index, and those come back at once, without a wait.
      const code = String((error as { code?: unknown }).code ?? '');
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

/** True when every known migration has been applied. */
export async function isMigrated(database: Database): Promise<boolean> {
  const migrations = await (await createMigrator(database)).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}
