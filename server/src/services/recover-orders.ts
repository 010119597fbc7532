import { SYSTEM_SOURCE } from '../domain/number-event.js';
import { listPendingOrders } from '../store/order-store.js';
import type { ServiceDeps } from './deps.js';
import type { PushReport } from './push-upstream-change.js';
import { provisionRequestOf } from './purchase-number.js';
import { completeOrder, failOrder } from './settle-order.js';

export interface RecoveryReport {
  completed: number;
  failed: number;
  /** Orders left pending because the carrier could not be asked. */
  unresolved: number;
}

/** A recovery pass over purchases and releases, as `bilby recover` and maintenance run it. */
export interface FullRecoveryReport extends RecoveryReport {
  releases: { completed: number; unresolved: number };
  restores: { completed: number; failed: number; unresolved: number };
  /** Number changes upstream had not heard of: told now, or postponed (upstream could not be reached). */
  upstreamChanges: PushReport;
}

/**
 * Finishes whatever a crash or a carrier timeout left half-done. For each pending order older than
 * the grace period it asks the carrier: provisioned → complete (charge), absent → fail (refund the
 * hold, restock the number). Settling is conditional on the order still being pending, so several
 * processes may run recovery at once and each order is settled exactly once.
 */
export async function recoverOrders(deps: ServiceDeps): Promise<RecoveryReport> {
  const cutoff = new Date(deps.clock().getTime() - deps.settings.recoveryGraceMs).toISOString();
  const report: RecoveryReport = { completed: 0, failed: 0, unresolved: 0 };
  for (const order of await listPendingOrders(deps.database.db, cutoff)) {
    let state;
    try {
      const carrier = deps.carrier;
      state = carrier.confirm ? await carrier.confirm(provisionRequestOf(order)) : await carrier.lookup({ orderId: order.id, didNumber: order.did_number });
    } catch (error) {
      deps.log.warn({ err: error, order_id: order.id }, 'recovery could not ask the carrier');
      report.unresolved++;
      continue;
    }
    const settled =
      state.status === 'provisioned'
        ? await completeOrder(deps, order.id, state.reference, SYSTEM_SOURCE)
        : await failOrder(deps, order.id, 'upstream_timeout');
    if (!settled.settledNow) continue;
    if (settled.order.status === 'completed') report.completed++;
    else report.failed++;
    deps.log.info({ order_id: order.id, status: settled.order.status }, 'recovery settled order');
  }
  return report;
}
