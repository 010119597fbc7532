import { setImmediate as letRequestsIn } from 'node:timers/promises';
import { newId } from '../domain/ids.js';
import { SYSTEM_SOURCE } from '../domain/number-event.js';
import { planRenewals, type PlannedCharge, type RenewalPlan } from '../domain/renewal-plan.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { renewalPrices } from '../store/price-plan-store.js';
import { billingEventId, recordNumberEvents, type NewNumberEvent } from '../store/number-event-store.js';
import { advanceTenures, dueTenures, lockFunds, overdueTenures, postRentalCharges, type TenureCursor } from '../store/billing-store.js';
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
  stopping?: () => boolean;
  /** Told after each batch: the report so far and how many tenures the run has read. */
  onProgress?: (report: BillingReport, tenuresRead: number) => Promise<unknown> | void;
}

const BATCH = 1_000;
/** Rows per statement within a batch: what one statement holds the event loop for. */
const SLICE = 250;
const DAY_MS = 86_400_000;

/**
 * Charges every rental period begun by `asOf`, in batches of one write transaction each: the
 * batch's tenures and their owners' balances are read (locked on PostgreSQL), the charges planned
 * and posted, and the tenures moved on, together. A crash loses at most the batch under way; a
 * rerun or a second process can at worst find a period charged already (its primary key), never
 * charge it twice. Then numbers unpaid for longer than the suspension allows are released.
 */
export async function runBilling(deps: ServiceDeps, options: BillingOptions = {}): Promise<BillingReport> {
  const now = options.asOf ?? deps.clock();
  // Dated when charged, so that a run as of another time never slips a charge into a month whose
  // invoices are issued.
  const at = deps.clock().toISOString();
  const asOf = options.dueBy ?? calendarDateOf(now, deps.settings.billing.timeZone);
  const report: BillingReport = { asOf, renewed: 0, chargedCents: 0, suspended: 0, reactivated: 0, stillSuspended: 0, released: 0, releasedAtPeriodEnd: 0 };
  let cursor: TenureCursor | null = null;
  // A tenure partly paid moves on but stays due, and a later batch may meet it again.
  const owing = new Set<string>();
  let read = 0;
  for (;;) {
    if (options.stopping?.()) return report;
    const batch = await deps.database.writeTransaction(async (trx) => {
      const listed = await dueTenures(trx, { asOf, after: cursor, limit: BATCH, ...(options.accountId ? { accountId: options.accountId } : {}) });
      if (listed.length === 0) return undefined;
      // Each month at its owner's price as it is now (a plan changed since applies from this period).
      // Read a slice at a time, as the batch is written (below).
      const prices = new Map<string, number>();
      for (let i = 0; i < listed.length; i += SLICE) {
        await letRequestsIn();
        const slice = listed.slice(i, i + SLICE).map((tenure) => ({ did_number: tenure.didNumber, account_id: tenure.accountId }));
        for (const [did, cents] of await renewalPrices(trx, slice)) prices.set(did, cents);
      }
      // A tenure whose number left the inventory has no price and nothing to charge.
      const due = listed.flatMap((tenure) => {
        const monthlyCents = prices.get(tenure.didNumber);
        return monthlyCents === undefined ? [] : [{ ...tenure, monthlyCents }];
      });
      const funds = await lockFunds(trx, [...new Set(due.map((tenure) => tenure.accountId))].sort());
      const plan = planRenewals(due, funds, asOf);
      const charges = plan.charges.map((charge) => ({ ...charge, transactionId: newId('txn') }));
      // SQLite runs each statement on the event loop: the batch is written a slice at a time, and
      // between slices the requests waiting get their turn instead of waiting out the whole batch.
      // Only other writers wait on the open transaction, as they would for its commit anyway.
      for (let i = 0; i < charges.length; i += SLICE) {
        await letRequestsIn();
        const slice = charges.slice(i, i + SLICE);
        await postRentalCharges(trx, slice, debitsOf(slice), at);
      }
      for (let i = 0; i < plan.tenures.length; i += SLICE) {
        await letRequestsIn();
        await advanceTenures(trx, plan.tenures.slice(i, i + SLICE), at, now.toISOString());
      }
      await recordNumberEvents(trx, billingEvents(plan, at));
      deps.faults?.reached('before_billing_commit');
      const last = listed[listed.length - 1]!;
      return { plan, size: listed.length, cursor: { accountId: last.accountId, dueOn: last.nextDueOn, orderId: last.orderId } };
    });
    if (!batch) break;
    deps.faults?.reached('after_billing_batch');
    report.renewed += batch.plan.charges.length;
    for (const charge of batch.plan.charges) report.chargedCents += charge.amountCents;
    for (const tenure of batch.plan.tenures) {
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
    if (batch.size < BATCH) break;
  }
  report.released = await releaseOverdue(deps, now, options.accountId);
  if (!options.accountId) report.releasedAtPeriodEnd = await releaseScheduledNumbers(deps, asOf);
  if (report.renewed > 0 || report.suspended > 0 || report.released > 0 || report.releasedAtPeriodEnd > 0) deps.log.info({ billing: report }, 'billing run');
  return report;
}

/** Each account's total in `charges`, in cents. */
function debitsOf(charges: readonly PlannedCharge[]): Map<string, number> {
  const debits = new Map<string, number>();
  for (const charge of charges) debits.set(charge.accountId, (debits.get(charge.accountId) ?? 0) + charge.amountCents);
  return debits;
}

/**
 * The run's suspensions and reactivations in each number's history. Its renewals need no event:
 * the history reads them from the periods charged (store/number-event-store.ts).
 */
function billingEvents(plan: RenewalPlan, at: string): NewNumberEvent[] {
  const events: NewNumberEvent[] = [];
  const common = (did: string, accountId: string) => ({ didNumber: did, accountId, source: SYSTEM_SOURCE, at });
  for (const tenure of plan.tenures) {
    if (tenure.paidUp === !tenure.wasSuspended) continue;
    const kind = tenure.paidUp ? 'reactivated' : 'suspended';
    events.push({
      kind,
      id: billingEventId(kind, at, tenure.orderId, tenure.nextPeriod),
      ...common(tenure.didNumber, tenure.accountId),
      details: { order_id: tenure.orderId, period: tenure.nextPeriod, unpaid_from: tenure.nextDueOn },
    });
  }
  return events;
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
