import { isMigrated } from '../store/migrate.js';
import type { ServiceDeps } from './deps.js';

/** Ready once every migration has run and the database answers. */
export async function checkReadiness(deps: Pick<ServiceDeps, 'database'>): Promise<boolean> {
  try {
    return await isMigrated(deps.database);
  } catch {
    return false;
  }
}
