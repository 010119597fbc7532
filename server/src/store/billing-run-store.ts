import type { Updateable } from 'kysely';
import type { Executor } from './database.js';
import type { BillingRunRow, BillingRunTable } from './tables.js';

const INTERRUPTED = 'interrupted: the process running it stopped before it finished; what it charged stands, and the next run charges the rest';

export async function insertBillingRun(ex: Executor, run: BillingRunRow): Promise<void> {
  await ex.insertInto('billing_run').values(run).execute();
}

export async function updateBillingRun(ex: Executor, id: string, changes: Updateable<BillingRunTable>): Promise<void> {
  await ex.updateTable('billing_run').set(changes).where('id', '=', id).execute();
}

export async function findBillingRun(ex: Executor, id: string): Promise<BillingRunRow | undefined> {
  return ex.selectFrom('billing_run').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest runs first. */
export async function listBillingRuns(ex: Executor, limit: number): Promise<BillingRunRow[]> {
  return ex.selectFrom('billing_run').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Marks runs still `running` as interrupted: those other than `exceptId` (the caller holds the
 * billing lease, so any other is one whose process died), or only `onlyId` (its lease ran out).
 */
export async function interruptBillingRuns(ex: Executor, which: { exceptId: string } | { onlyId: string }, at: string): Promise<void> {
  let query = ex
    .updateTable('billing_run')
    .set({ status: 'interrupted', error: INTERRUPTED, updated_at: at, finished_at: at })
    .where('status', '=', 'running');
  query = 'exceptId' in which ? query.where('id', '<>', which.exceptId) : query.where('id', '=', which.onlyId);
  await query.execute();
}

/**
 * How many tenures a run as of `asOf` will read, counted as the run's batches select them
 * (billing-store's dueTenures): for its progress only, so a tenure that changes meanwhile does no harm.
 */
export async function countDueTenures(ex: Executor, asOf: string): Promise<number> {
  const row = await ex
    .selectFrom('rental')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('due'))
    .where('status', '<>', 'ended')
    .where('next_due_on', '<=', asOf)
    .where('release_on', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.due);
}
