import type { CarrierAudit, ConfigurationDifference, NumberConfiguration, OrphanedRecord } from '../carriers/carrier.js';
import { AppError } from '../domain/errors.js';
import { newUuid } from '../domain/ids.js';
import {
  countDifferences,
  settledOwnershipDifferences,
  type DifferenceKind,
  type InFlightNumber,
  type LocalHoldings,
  type UpstreamDifference,
} from '../domain/upstream-differences.js';
import {
  findReconcileReport,
  findReconcileSummary,
  listChangingNumbers,
  listHeldNumbers,
  listReleasingNumbers,
  listRestoringNumbers,
  numberStatuses,
  saveReconcileReport,
  type HeldNumberRow,
} from '../store/reconcile-store.js';
import { releaseLease } from '../store/task-lease-store.js';
import { holdLease } from './task-lease.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { configurationOf } from './push-upstream-change.js';

/** What reconciliation found: what the carrier holds against what Bilby's customers hold. */
export interface ReconcileReport {
  checked_at: string;
  carrier: string;
  /** Numbers the carrier holds for Bilby. */
  owned_upstream: number;
  /** Numbers Bilby's customers hold (their release not under way). */
  sold: number;
  /** Purchases, releases, restores and configuration changes under way: not differences while their sagas are open. */
  in_flight: InFlightNumber[];
  differences: UpstreamDifference[];
  difference_counts: Record<DifferenceKind, number>;
}

/**
 * Compares what the carrier holds with what Bilby's customers hold, changing nothing on either
 * side, and keeps the report for the operator and every process's metrics. One process at a time
 * runs it (a lease in the database): another asking meanwhile is refused with reconcile_running.
 *
 * Bilby's side is read before and after the carrier, and a number differs only if it does against
 * both readings: a purchase or release that finished while the carrier was read is no difference.
 */
export async function reconcileUpstream(deps: ServiceDeps, holder: string = newUuid()): Promise<ReconcileReport> {
  const lease = await holdLease(deps, leaseName(deps), holder);
  if (!lease) {
    throw new AppError('reconcile_running', 'A reconciliation is running already; GET /admin/v1/reconcile answers the last report');
  }
  try {
    return await reconcile(deps);
  } finally {
    await lease.release();
  }
}

/** Gives up the lease `holder` took (a process stopping while its reconciliation still runs). */
export async function releaseReconcileLease(deps: Pick<ServiceDeps, 'database' | 'carrier'>, holder: string): Promise<void> {
  await releaseLease(deps.database, leaseName(deps), holder);
}

function leaseName(deps: Pick<ServiceDeps, 'carrier'>): string {
  return `reconcile:${deps.carrier.name}`;
}

/** Runs reconciliation if the last report is older than `intervalMs` and no other process runs it now. */
export async function reconcileIfDue(deps: ServiceDeps, intervalMs: number, holder?: string): Promise<ReconcileReport | undefined> {
  const last = await findReconcileSummary(deps.database.db, deps.carrier.name);
  if (last && deps.clock().getTime() - Date.parse(last.checked_at) < intervalMs) return undefined;
  try {
    return await reconcileUpstream(deps, holder);
  } catch (error) {
    if (error instanceof AppError && error.code === 'reconcile_running') return undefined;
    throw error;
  }
}

/** The last report kept, or not_found before the first reconciliation. */
export async function lastReconcileReport(deps: Pick<ServiceDeps, 'database' | 'carrier'>): Promise<ReconcileReport> {
  const row = await findReconcileReport(deps.database.db, deps.carrier.name);
  if (!row) throw new AppError('not_found', 'No reconciliation has run yet: POST /admin/v1/reconcile runs one');
  return JSON.parse(row.report) as ReconcileReport;
}

/** When the carrier was last reconciled and its differences by kind, for the metrics. */
export async function reconcileSummary(
  deps: Pick<ServiceDeps, 'database' | 'carrier'>,
): Promise<{ checkedAt: string; counts: Record<DifferenceKind, number> } | undefined> {
  const row = await findReconcileSummary(deps.database.db, deps.carrier.name);
  return row && { checkedAt: row.checked_at, counts: JSON.parse(row.difference_counts) as Record<DifferenceKind, number> };
}

async function reconcile(deps: ServiceDeps): Promise<ReconcileReport> {
  const before = await readLocalSide(deps);
  let audit: CarrierAudit;
  try {
    audit = await deps.carrier.audit(before.soldRequests);
  } catch (error) {
    deps.log.warn({ err: error, carrier: deps.carrier.name }, 'reconciliation could not read what the carrier holds');
    throw new AppError('upstream_error', 'The carrier could not be asked what it holds; try again later', { retryable: true });
  }
  const after = await readLocalSide(deps);
  const held = new Set(audit.held);
  const ownership = settledOwnershipDifferences(before.holdings, after.holdings, held);
  const statuses = await numberStatuses(deps.database.db, ownership.ownedNotSold);
  // Compared only where nothing changed the number meanwhile: the carrier was asked about `before`'s configuration.
  const compared = (did: string) =>
    !before.changing.has(did) && !after.changing.has(did) && sameConfiguration(before.configurations.get(did), after.configurations.get(did));
  const differences: UpstreamDifference[] = [
    ...ownership.ownedNotSold.map((did) => ownedNotSold(did, statuses.get(did) ?? null)),
    ...ownership.soldNotOwned.map((did) => soldNotOwned(did, after.holdings.sold.get(did)!)),
    ...audit.misconfigured.filter((difference) => compared(difference.didNumber)).map(misconfigured),
    ...audit.orphanedRecords.map(orphaned),
  ];
  const inFlight = new Map<string, InFlightNumber>();
  for (const side of [before, after]) {
    for (const did of side.changing) inFlight.set(did, { did_number: did, saga: 'change', owned_upstream: held.has(did) });
    for (const [did, saga] of side.holdings.inFlight) inFlight.set(did, { did_number: did, saga, owned_upstream: held.has(did) });
  }
  const counts = countDifferences(differences);
  const report: ReconcileReport = {
    checked_at: isoNow(deps),
    carrier: deps.carrier.name,
    owned_upstream: held.size,
    sold: before.holdings.sold.size,
    in_flight: [...inFlight.values()].sort((a, b) => a.did_number.localeCompare(b.did_number)),
    differences,
    difference_counts: counts,
  };
  await deps.database.writeStatement((ex) =>
    saveReconcileReport(ex, { carrier: report.carrier, checkedAt: report.checked_at, differenceCounts: JSON.stringify(counts), report: JSON.stringify(report) }),
  );
  const log = differences.length > 0 ? deps.log.warn.bind(deps.log) : deps.log.info.bind(deps.log);
  log({ carrier: report.carrier, owned_upstream: report.owned_upstream, sold: report.sold, in_flight: report.in_flight.length, differences: counts }, 'reconciliation');
  return report;
}

interface LocalSide {
  holdings: LocalHoldings;
  /** Sold numbers whose new configuration is queued for upstream. */
  changing: Set<string>;
  /** The sold numbers as the carrier is asked about them, by number. */
  configurations: Map<string, NumberConfiguration>;
  soldRequests: NumberConfiguration[];
}

async function readLocalSide(deps: ServiceDeps): Promise<LocalSide> {
  const releasing = new Set(await listReleasingNumbers(deps.database.db));
  const restoring = new Set(await listRestoringNumbers(deps.database.db));
  const queued = new Set(await listChangingNumbers(deps.database.db));
  const rows = (await listHeldNumbers(deps.database.db)).filter((row) => isAtCarrier(row, deps.carrier.name));
  const sold = new Map<string, string>();
  const inFlight = new Map<string, 'purchase' | 'release' | 'restore'>();
  const changing = new Set<string>();
  const configurations = new Map<string, NumberConfiguration>();
  for (const row of rows) {
    if (row.status === 'reserved') inFlight.set(row.did_number, restoring.has(row.did_number) ? 'restore' : 'purchase');
    else if (row.status === 'active' && releasing.has(row.did_number)) inFlight.set(row.did_number, 'release');
    else if (row.status === 'active') {
      sold.set(row.did_number, row.account_id!);
      if (queued.has(row.did_number)) changing.add(row.did_number);
      const configuration = configurationOf(row);
      if (configuration) configurations.set(row.did_number, configuration);
    }
  }
  return { holdings: { sold, inFlight }, changing, configurations, soldRequests: [...configurations.values()] };
}

function sameConfiguration(a: NumberConfiguration | undefined, b: NumberConfiguration | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.accountId === b.accountId &&
    a.addressId === b.addressId &&
    a.personId === b.personId &&
    a.routing.route === b.routing.route &&
    a.routing.destination === b.routing.destination
  );
}

/** Whether the number is provisioned by this carrier (not one of the reseller's own ranges). */
function isAtCarrier(row: HeldNumberRow, carrier: string): boolean {
  return row.carrier === carrier;
}

function ownedNotSold(did: string, status: UpstreamDifference['local_status']): UpstreamDifference {
  const here = status === null ? 'it is not in the inventory' : `it is ${status} here`;
  return { kind: 'owned_not_sold', did_number: did, local_status: status, detail: `Upstream holds ${did} and no customer has it (${here})` };
}

function soldNotOwned(did: string, accountId: string): UpstreamDifference {
  return { kind: 'sold_not_owned', did_number: did, account_id: accountId, detail: `${did} is sold to ${accountId} and upstream does not hold it` };
}

function misconfigured(difference: ConfigurationDifference): UpstreamDifference {
  const did = difference.didNumber;
  if (difference.kind === 'routing_differs') {
    const where = (routing: { route: string; destination: string | null } | null) =>
      routing === null ? 'nowhere' : routing.destination === null ? routing.route : `${routing.route} ${routing.destination}`;
    return {
      kind: 'routing_differs',
      did_number: did,
      expected: { ...difference.expected },
      actual: difference.actual && { ...difference.actual },
      detail: `Upstream routes ${did} to ${where(difference.actual)} instead of ${where(difference.expected)}`,
    };
  }
  const neverCopied = difference.expected.address_id === null || difference.expected.person_id === null;
  return {
    kind: 'ipnd_differs',
    did_number: did,
    expected: { ...difference.expected },
    actual: { ...difference.actual },
    detail: neverCopied
      ? `The IPND records of ${did}'s customer were never copied upstream, so upstream registers it with others`
      : `Upstream registers ${did} with other IPND records than its customer's`,
  };
}

function orphaned(record: OrphanedRecord): UpstreamDifference {
  return {
    kind: 'orphaned_record',
    record: record.record,
    upstream_id: record.upstreamId,
    local_id: record.localId,
    detail: `Upstream keeps a copy of ${record.record} ${record.localId} (${record.upstreamId}) that no number it holds uses`,
  };
}
