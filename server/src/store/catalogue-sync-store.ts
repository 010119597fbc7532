import type { Executor } from './database.js';
import type { CatalogueSyncRow, CatalogueSyncTable } from './tables.js';
import type { Updateable } from 'kysely';

export async function insertSyncRun(ex: Executor, run: CatalogueSyncRow): Promise<void> {
  await ex.insertInto('catalogue_sync').values(run).execute();
}

export async function updateSyncRun(ex: Executor, id: string, changes: Updateable<CatalogueSyncTable>): Promise<void> {
  await ex.updateTable('catalogue_sync').set(changes).where('id', '=', id).execute();
}

export async function findSyncRun(ex: Executor, id: string): Promise<CatalogueSyncRow | undefined> {
  return ex.selectFrom('catalogue_sync').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest runs first. */
export async function listSyncRuns(ex: Executor, limit: number): Promise<CatalogueSyncRow[]> {
  return ex.selectFrom('catalogue_sync').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Marks runs still `running` as failed: called by the holder of the sync's lease, so any other
 * running run is one whose process died (or lost the lease) without finishing it.
 */
export async function failAbandonedSyncRuns(ex: Executor, exceptId: string, at: string): Promise<number> {
  const result = await ex
    .updateTable('catalogue_sync')
    .set({ status: 'failed', error: 'interrupted: the process running it stopped before it finished', updated_at: at, finished_at: at })
    .where('status', '=', 'running')
    .where('id', '<>', exceptId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
