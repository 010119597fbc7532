import type { CarrierHealth } from '../carriers/carrier.js';
import type { ServiceDeps } from './deps.js';

/** Asks a refusing carrier whether its refusal is over; a carrier that takes orders is not asked. */
export async function checkCarrierHealth(deps: Pick<ServiceDeps, 'carrier' | 'log'>): Promise<CarrierHealth> {
  const carrier = deps.carrier;
  const health = carrier.health?.() ?? { status: 'ok' };
  if (health.status === 'ok' || !carrier.checkHealth) return health;
  try {
    return await carrier.checkHealth();
  } catch (error) {
    deps.log.warn({ err: error, carrier: carrier.name }, 'could not ask the carrier whether it takes orders again');
    return health;
  }
}
