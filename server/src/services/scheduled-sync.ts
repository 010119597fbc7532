import { AppError } from '../domain/errors.js';
import { latestCatalogueSyncRuns } from './catalogue-sync-runs.js';
import type { ServiceDeps } from './deps.js';
import { startCatalogueSync } from './sync-catalogue.js';

export type ScheduledSync = 'started' | 'not_due' | 'running_elsewhere';

/**
 * The periodic catalogue sync (BILBY_UPSTREAM_SYNC_INTERVAL), asked at each maintenance pass: due
 * when no sync has started for `intervalMs`, whichever process or operator started the last, so
 * several server processes sync once an interval between them and a restart does not sync again
 * early. The sync's lease keeps two from running at once.
 */
export async function syncWhenDue(deps: ServiceDeps, intervalMs: number): Promise<ScheduledSync> {
  if (!deps.catalogue) return 'not_due';
  const [latest] = await latestCatalogueSyncRuns(deps, 1);
  if (latest && Date.parse(latest.started_at) + intervalMs > deps.clock().getTime()) return 'not_due';
  try {
    await startCatalogueSync(deps, 'schedule');
    return 'started';
  } catch (error) {
    if (error instanceof AppError && error.code === 'sync_in_progress') return 'running_elsewhere';
    throw error;
  }
}
