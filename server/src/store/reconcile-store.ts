import type { NumberStatus } from '../domain/order.js';
import type { Executor } from './database.js';
import type { PhoneNumberRow } from './tables.js';

/** A number as reconciliation reads it: one a customer holds, is buying, or gave up (quarantine). */
export type HeldNumberRow = Pick<
  PhoneNumberRow,
  'did_number' | 'status' | 'carrier' | 'account_id' | 'address_id' | 'person_id' | 'primary_route' | 'primary_destination'
>;

const HELD_STATUSES: NumberStatus[] = ['active', 'reserved', 'quarantine'];

/** Every number that is active, reserved or in quarantine, by the status index (stock is most of the table). */
export async function listHeldNumbers(ex: Executor): Promise<HeldNumberRow[]> {
  return ex
    .selectFrom('phone_number')
    .select(['did_number', 'status', 'carrier', 'account_id', 'address_id', 'person_id', 'primary_route', 'primary_destination'])
    .where('status', 'in', HELD_STATUSES)
    .orderBy('did_number')
    .execute();
}

/** The numbers whose release is under way. */
export async function listReleasingNumbers(ex: Executor): Promise<string[]> {
  const rows = await ex.selectFrom('release_order').select('did_number').where('status', '=', 'pending').execute();
  return rows.map((row) => row.did_number);
}

/** The numbers whose restore is under way (reserved for it). */
export async function listRestoringNumbers(ex: Executor): Promise<string[]> {
  const rows = await ex.selectFrom('restore_order').select('did_number').where('status', '=', 'pending').execute();
  return rows.map((row) => row.did_number);
}

/** The numbers whose new configuration (IPND records, upstream route) is still to be pushed upstream. */
export async function listChangingNumbers(ex: Executor): Promise<string[]> {
  const rows = await ex.selectFrom('upstream_change').select('did_number').execute();
  return rows.map((row) => row.did_number);
}

/** The status of each of these numbers that is in the inventory. */
export async function numberStatuses(ex: Executor, didNumbers: string[]): Promise<Map<string, NumberStatus>> {
  const statuses = new Map<string, NumberStatus>();
  for (let i = 0; i < didNumbers.length; i += 500) {
    const rows = await ex.selectFrom('phone_number').select(['did_number', 'status']).where('did_number', 'in', didNumbers.slice(i, i + 500)).execute();
    for (const row of rows) statuses.set(row.did_number, row.status);
  }
  return statuses;
}

export interface StoredReconcileReport {
  carrier: string;
  checkedAt: string;
  /** Differences by kind, as JSON. */
  differenceCounts: string;
  report: string;
}

/** Keeps the carrier's latest report: replaces the one before, unless that one was checked later (runs overlapped). */
export async function saveReconcileReport(ex: Executor, stored: StoredReconcileReport): Promise<void> {
  const row = { carrier: stored.carrier, checked_at: stored.checkedAt, difference_counts: stored.differenceCounts, report: stored.report };
  await ex
    .insertInto('reconcile_report')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('carrier')
        .doUpdateSet({ checked_at: row.checked_at, difference_counts: row.difference_counts, report: row.report })
        .where('reconcile_report.checked_at', '<=', row.checked_at),
    )
    .execute();
}

export async function findReconcileReport(ex: Executor, carrier: string): Promise<{ report: string } | undefined> {
  return ex.selectFrom('reconcile_report').select('report').where('carrier', '=', carrier).executeTakeFirst();
}

/** When the carrier was last reconciled and how many differences of each kind it had, without the report itself. */
export async function findReconcileSummary(ex: Executor, carrier: string): Promise<{ checked_at: string; difference_counts: string } | undefined> {
  return ex.selectFrom('reconcile_report').select(['checked_at', 'difference_counts']).where('carrier', '=', carrier).executeTakeFirst();
}
