import type { CarrierRefusal } from '../carriers/carrier.js';
import { isMigrated } from '../store/migrate.js';
import type { ServiceDeps } from './deps.js';

/** What /readyz tells about the carrier: whether it takes orders (the reason is the operator's to fix). */
export interface CarrierReadiness {
  name: string;
  status: 'ok' | 'refusing';
  reason?: CarrierRefusal;
  since?: string;
}

export function carrierReadiness(deps: Pick<ServiceDeps, 'carrier'>): CarrierReadiness {
  const health = deps.carrier.health?.() ?? { status: 'ok' };
  const name = deps.carrier.name;
  return health.status === 'ok' ? { name, status: 'ok' } : { name, status: 'refusing', reason: health.reason, since: health.since };
}

/** Ready once every migration has run and the database answers. */
export async function checkReadiness(deps: Pick<ServiceDeps, 'database'>): Promise<boolean> {
  try {
    return await isMigrated(deps.database);
  } catch {
    return false;
  }
}
