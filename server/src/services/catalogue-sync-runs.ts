import { AppError } from '../domain/errors.js';
import { findSyncRun, listSyncRuns } from '../store/catalogue-sync-store.js';
import type { CatalogueSyncRow } from '../store/tables.js';
import type { ServiceDeps } from './deps.js';

/** The catalogue syncs as the operator follows them: one run's progress and outcome, or the latest runs. */

export type CatalogueSyncRun = CatalogueSyncRow;

export async function catalogueSyncRun(deps: ServiceDeps, id: string): Promise<CatalogueSyncRow> {
  const run = await findSyncRun(deps.database.db, id);
  if (!run) throw new AppError('not_found', `There is no catalogue sync ${id}`);
  return run;
}

export function latestCatalogueSyncRuns(deps: ServiceDeps, limit: number): Promise<CatalogueSyncRow[]> {
  return listSyncRuns(deps.database.db, limit);
}
