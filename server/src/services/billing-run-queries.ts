import { AppError } from '../domain/errors.js';
import { findBillingRun, interruptBillingRuns, listBillingRuns } from '../store/billing-run-store.js';
import type { BillingRunRow } from '../store/tables.js';
import { findLease } from '../store/task-lease-store.js';
import { isoNow, type ServiceDeps } from './deps.js';

/** The billing runs as the operator follows them: one run's progress and report, or the latest runs. */

/** The lease a billing run holds while it runs; its holder is the run's id. */
export const BILLING_LEASE = 'billing';

export type BillingRun = BillingRunRow;

export async function billingRun(deps: ServiceDeps, id: string): Promise<BillingRunRow> {
  const run = await findBillingRun(deps.database.db, id);
  if (!run) throw new AppError('not_found', `There is no billing run ${id}`);
  return (await settleAbandoned(deps, [run]))[0]!;
}

export async function latestBillingRuns(deps: ServiceDeps, limit: number): Promise<BillingRunRow[]> {
  return settleAbandoned(deps, await listBillingRuns(deps.database.db, limit));
}

/**
 * A run still `running` whose lease is no longer its own (expired, or another's) was left by a
 * process that died: it is marked interrupted as it is read, without waiting for the next run.
 * A live run renews its lease every 15 seconds, and releases it only after writing its outcome.
 */
async function settleAbandoned(deps: ServiceDeps, runs: BillingRunRow[]): Promise<BillingRunRow[]> {
  if (!runs.some((run) => run.status === 'running')) return runs;
  const lease = await findLease(deps.database, BILLING_LEASE);
  const now = deps.clock().getTime();
  const abandoned = runs.filter((run) => run.status === 'running' && !(lease && lease.holder === run.id && lease.expiresAtMs > now));
  if (abandoned.length === 0) return runs;
  const at = isoNow(deps);
  for (const run of abandoned) await deps.database.writeStatement((ex) => interruptBillingRuns(ex, { onlyId: run.id }, at));
  const fresh = new Map<string, BillingRunRow>();
  for (const run of abandoned) {
    const row = await findBillingRun(deps.database.db, run.id);
    if (row) fresh.set(run.id, row);
  }
  return runs.map((run) => fresh.get(run.id) ?? run);
}
