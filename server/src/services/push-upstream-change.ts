import type { NumberConfiguration } from '../carriers/carrier.js';
import { findNumber } from '../store/number-store.js';
import type { PhoneNumberRow } from '../store/tables.js';
import {
  claimUpstreamChange,
  clearUpstreamChange,
  dueUpstreamChanges,
  findUpstreamChange,
  postponeUpstreamChange,
} from '../store/upstream-change-store.js';
import { isoNow, type ServiceDeps } from './deps.js';

export type PushResult = 'pushed' | 'moot' | 'postponed' | 'none';

export interface PushReport {
  pushed: number;
  postponed: number;
}

const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 60 * 60_000;
const BATCH = 100;
/** Longer than a background request may wait for its turn in the budget, and its answer. */
const CLAIM_MS = 10 * 60_000;

/**
 * The routing saga's second step: the change was committed with its queue entry, and upstream is
 * now brought to the number's configuration as it stands (not as the request that queued it saw
 * it: a later change may have come). The entry is cleared only for the generation read, so a change
 * made meanwhile is pushed again. A failure leaves it queued, retried with back-off by maintenance.
 */
export async function pushUpstreamChange(deps: ServiceDeps, didNumber: string, options: { background?: boolean } = {}): Promise<PushResult> {
  const configure = deps.carrier.configure?.bind(deps.carrier);
  const change = await findUpstreamChange(deps.database.db, didNumber);
  if (!change) return 'none';
  // Claimed, so that no other push (maintenance here or in another process) sends it at once.
  const now = deps.clock();
  const leaseUntil = new Date(now.getTime() + CLAIM_MS).toISOString();
  if (!(await deps.database.writeStatement((ex) => claimUpstreamChange(ex, change, now.toISOString(), leaseUntil)))) return 'none';
  const number = await findNumber(deps.database.db, didNumber);
  const configuration = number && configurationOf(number);
  if (!configure || configuration === undefined) {
    // Released, or the carrier keeps nothing to configure: nothing is left to tell upstream.
    await deps.database.writeStatement((ex) => clearUpstreamChange(ex, didNumber, change.generation));
    return 'moot';
  }
  if (number!.status !== 'active') {
    // Still being bought: the purchase's own saga configures it; look again once it is settled.
    await postpone(deps, change, 'the number is not active yet', FIRST_RETRY_MS);
    return 'postponed';
  }
  try {
    const state = await configure(configuration, options);
    if (state.status === 'absent') {
      deps.log.warn({ did_number: didNumber }, 'upstream does not hold a number sold here: reconcile lists it');
    }
  } catch (error) {
    deps.log.warn({ err: error, did_number: didNumber }, 'upstream could not be told of a number change; it is tried again');
    await postpone(deps, change, error instanceof Error ? error.message : String(error), retryDelay(change.attempts));
    return 'postponed';
  }
  await deps.database.writeStatement((ex) => clearUpstreamChange(ex, didNumber, change.generation));
  return 'pushed';
}

/** Maintenance's pass over the queue: every change due, at the budget's background priority. */
export async function pushDueUpstreamChanges(deps: ServiceDeps, options: { stopping?: () => boolean } = {}): Promise<PushReport> {
  const report: PushReport = { pushed: 0, postponed: 0 };
  for (;;) {
    const due = await dueUpstreamChanges(deps.database.db, isoNow(deps), BATCH);
    for (const change of due) {
      if (options.stopping?.()) return report;
      const result = await pushUpstreamChange(deps, change.did_number, { background: true });
      if (result === 'pushed') report.pushed++;
      else if (result === 'postponed') report.postponed++;
    }
    if (due.length < BATCH) return report;
  }
}

/** A held number's configuration as the carrier is to have it; undefined once it has no owner. */
export function configurationOf(
  number: Pick<PhoneNumberRow, 'did_number' | 'account_id' | 'address_id' | 'person_id' | 'primary_route' | 'primary_destination'>,
): NumberConfiguration | undefined {
  if (number.account_id === null || number.address_id === null || number.person_id === null) return undefined;
  return {
    didNumber: number.did_number,
    accountId: number.account_id,
    addressId: number.address_id,
    personId: number.person_id,
    routing: { route: number.primary_route ?? 'congestion', destination: number.primary_destination },
  };
}

async function postpone(deps: ServiceDeps, change: { did_number: string; generation: number }, error: string, delayMs: number): Promise<void> {
  const next = new Date(deps.clock().getTime() + delayMs).toISOString();
  await deps.database.writeStatement((ex) => postponeUpstreamChange(ex, change, next, error));
}

function retryDelay(attempts: number): number {
  return Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts, 10));
}
