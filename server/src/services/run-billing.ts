import { setImmediate as letRequestsIn } from 'node:timers/promises';
import { SYSTEM_SOURCE } from '../domain/number-event.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { overdueTenures, type TenureCursor } from '../store/billing-store.js';
import { billBatch, BATCH_TENURES, type BatchInput } from './bill-batch.js';
import { startBillingThread, type BillingThread } from './bill-off-thread.js';
import type { ServiceDeps } from './deps.js';
import { releaseNumber, releaseScheduledNumbers } from './release-number.js';

export interface BillingReport {
  /** The calendar date (billing time zone) the run charged up to. */
  asOf: string;
  /** Periods charged. */
  renewed: number;
  chargedCents: number;
  /** Numbers suspended by this run (a renewal their owner's balance did not cover). */
  suspended: number;
  /** Suspended numbers this run found paid up again. */
  reactivated: number;
  /** Numbers still suspended after the run (its own and earlier ones). */
  stillSuspended: number;
  /** Numbers released for going unpaid longer than the suspension allows. */
  released: number;
  /** Numbers released as their owners asked, at the end of the paid period. */
  releasedAtPeriodEnd: number;
}

export interface BillingOptions {
  /** The instant the run bills as of; now by default. What it writes is dated by the clock. */
  asOf?: Date;
  /** The calendar date to charge up to, instead of the date `asOf` falls on. */
  dueBy?: string;
  /** Only this account's numbers (an operator's credit settles its arrears at once). */
  accountId?: string;
  /** How many tenures are due, if the caller counted them: a run of more than a batch starts on its thread. */
  expectedTenures?: number;
  stopping?: () => boolean;
  /** Told after each batch: the report so far and how many tenures the run has read. */
  onProgress?: (report: BillingReport, tenuresRead: number) => Promise<unknown> | void;
}

const DAY_MS = 86_400_000;

/**
 * Charges every rental period begun by `asOf`, in batches of one write transaction each
 * (services/bill-batch.ts). A crash loses at most the batch under way; a rerun or a second process
 * can at worst find a period charged already (its primary key), never charge it twice. Then
 * numbers unpaid for longer than the suspension allows are released.
 *
 * A small run is written on the event loop, a slice of a batch at a time with the requests waiting
 * let in between. On a SQLite file, a run of more than a batch (counted by the caller, or found
 * after the first batch) is written on a thread of its own (services/bill-off-thread.ts), so that
 * the event loop keeps answering requests while it runs.
 */
export async function runBilling(deps: ServiceDeps, options: BillingOptions = {}): Promise<BillingReport> {
  const now = options.asOf ?? deps.clock();
  // Dated when charged, so that a run as of another time never slips a charge into a month whose
  // invoices are issued.
  const at = deps.clock().toISOString();
  const asOf = options.dueBy ?? calendarDateOf(now, deps.settings.billing.timeZone);
  const report: BillingReport = { asOf, renewed: 0, chargedCents: 0, suspended: 0, reactivated: 0, stillSuspended: 0, released: 0, releasedAtPeriodEnd: 0 };
  const toThread = () => (deps.database.threadWrites ? startBillingThread(deps.database.threadWrites, deps.faults?.point) : undefined);
  let thread: BillingThread | undefined = (options.expectedTenures ?? 0) > BATCH_TENURES ? toThread() : undefined;
  const bill = (input: BatchInput) =>
    thread ? thread.bill(input) : deps.database.writeTransaction((trx) => billBatch(trx, input, { pause: letRequestsIn, ...(deps.faults ? { faults: deps.faults } : {}) }));
  let cursor: TenureCursor | null = null;
  // A tenure partly paid moves on but stays due, and a later batch may meet it again.
  const owing = new Set<string>();
  let read = 0;
  try {
    for (;;) {
      if (options.stopping?.()) return report;
      const batch = await bill({ asOf, after: cursor, at, runAt: now.toISOString(), ...(options.accountId ? { accountId: options.accountId } : {}) });
      if (!batch) break;
      deps.faults?.reached('after_billing_batch');
      report.renewed += batch.charged;
      report.chargedCents += batch.chargedCents;
      for (const tenure of batch.tenures) {
        if (!tenure.paidUp && !owing.has(tenure.orderId)) {
          owing.add(tenure.orderId);
          report.stillSuspended++;
          if (!tenure.wasSuspended) report.suspended++;
        }
        if (tenure.paidUp && tenure.wasSuspended) report.reactivated++;
      }
      cursor = batch.cursor;
      read += batch.size;
      await options.onProgress?.({ ...report }, read);
      if (batch.size < BATCH_TENURES) break;
      // More is due than a batch: the rest goes to a thread where the database allows it (a
      // thread's start costs more than a small run's writes).
      thread ??= toThread();
    }
  } finally {
    await thread?.close();
  }
  report.released = await releaseOverdue(deps, now, options.accountId);
  if (!options.accountId) report.releasedAtPeriodEnd = await releaseScheduledNumbers(deps, asOf);
  if (report.renewed > 0 || report.suspended > 0 || report.released > 0 || report.releasedAtPeriodEnd > 0) deps.log.info({ billing: report }, 'billing run');
  return report;
}

/** After BILBY_SUSPEND_DAYS unpaid, a number goes back through the release saga into quarantine. */
async function releaseOverdue(deps: ServiceDeps, now: Date, accountId?: string): Promise<number> {
  const cutoff = new Date(now.getTime() - deps.settings.billing.suspendDays * DAY_MS).toISOString();
  let released = 0;
  for (const tenure of await overdueTenures(deps.database.db, cutoff, accountId)) {
    try {
      await releaseNumber(deps, tenure.accountId, tenure.didNumber, SYSTEM_SOURCE);
      released++;
      deps.log.warn({ did_number: tenure.didNumber, account_id: tenure.accountId }, 'released a number its owner left unpaid');
    } catch (error) {
      deps.log.warn({ err: error, did_number: tenure.didNumber }, 'could not release an unpaid number yet; the next run tries again');
    }
  }
  return released;
}
