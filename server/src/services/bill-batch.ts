import type { CrashPoint } from '../domain/crash-points.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_SOURCE } from '../domain/number-event.js';
import { planRenewals, type PlannedCharge, type RenewalPlan } from '../domain/renewal-plan.js';
import { advanceTenures, dueTenures, lockFunds, postRentalCharges, type TenureCursor } from '../store/billing-store.js';
import type { Trx } from '../store/dialect.js';
import { billingEventId, recordNumberEvents, type NewNumberEvent } from '../store/number-event-store.js';
import { renewalPrices } from '../store/price-plan-store.js';
import type { Faults } from './faults.js';

/** One batch of a billing run: where it starts and what it charges up to. */
export interface BatchInput {
  /** The calendar date the run charges up to. */
  asOf: string;
  after: TenureCursor | null;
  accountId?: string;
  /** When the batch's writes are dated (the clock's now). */
  at: string;
  /** The instant the run bills as of (a suspension's start). */
  runAt: string;
}

/** What a batch did, as the run's report counts it. */
export interface BatchOutcome {
  /** Tenures read. */
  size: number;
  cursor: TenureCursor;
  charged: number;
  chargedCents: number;
  tenures: Array<Pick<RenewalPlan['tenures'][number], 'orderId' | 'paidUp' | 'wasSuspended'>>;
}

export interface BatchHooks {
  /** Awaited between the batch's statements: where requests waiting on the event loop get their turn. */
  pause?: () => Promise<unknown>;
  faults?: Faults;
  /** Where the batch is written and not committed. @default 'before_billing_commit' */
  commitPoint?: CrashPoint;
}

export const BATCH_TENURES = 1_000;
/** Rows per statement within a batch: what one statement holds its thread for. */
const SLICE = 250;

/**
 * Charges one batch of due tenures inside `trx`: the tenures and their owners' balances are read
 * (locked on PostgreSQL), each month priced at its owner's price as it is now (a plan changed
 * since applies from this period), the charges planned and posted, and the tenures moved on.
 * Undefined when nothing after the cursor is due.
 */
export async function billBatch(trx: Trx, input: BatchInput, hooks: BatchHooks = {}): Promise<BatchOutcome | undefined> {
  const pause = hooks.pause ?? (async () => undefined);
  const listed = await dueTenures(trx, { asOf: input.asOf, after: input.after, limit: BATCH_TENURES, ...(input.accountId ? { accountId: input.accountId } : {}) });
  if (listed.length === 0) return undefined;
  const prices = new Map<string, number>();
  for (let i = 0; i < listed.length; i += SLICE) {
    await pause();
    const slice = listed.slice(i, i + SLICE).map((tenure) => ({ did_number: tenure.didNumber, account_id: tenure.accountId }));
    for (const [did, cents] of await renewalPrices(trx, slice)) prices.set(did, cents);
  }
  // A tenure whose number left the inventory has no price and nothing to charge.
  const due = listed.flatMap((tenure) => {
    const monthlyCents = prices.get(tenure.didNumber);
    return monthlyCents === undefined ? [] : [{ ...tenure, monthlyCents }];
  });
  const funds = await lockFunds(trx, [...new Set(due.map((tenure) => tenure.accountId))].sort());
  const plan = planRenewals(due, funds, input.asOf);
  const charges = plan.charges.map((charge) => ({ ...charge, transactionId: newId('txn') }));
  for (let i = 0; i < charges.length; i += SLICE) {
    await pause();
    const slice = charges.slice(i, i + SLICE);
    await postRentalCharges(trx, slice, debitsOf(slice), input.at);
  }
  for (let i = 0; i < plan.tenures.length; i += SLICE) {
    await pause();
    await advanceTenures(trx, plan.tenures.slice(i, i + SLICE), input.at, input.runAt);
  }
  await recordNumberEvents(trx, billingEvents(plan, input.at));
  hooks.faults?.reached(hooks.commitPoint ?? 'before_billing_commit');
  const last = listed[listed.length - 1]!;
  let chargedCents = 0;
  for (const charge of plan.charges) chargedCents += charge.amountCents;
  return {
    size: listed.length,
    cursor: { accountId: last.accountId, dueOn: last.nextDueOn, orderId: last.orderId },
    charged: plan.charges.length,
    chargedCents,
    tenures: plan.tenures.map(({ orderId, paidUp, wasSuspended }) => ({ orderId, paidUp, wasSuspended })),
  };
}

/** Each account's total in `charges`, in cents. */
function debitsOf(charges: readonly PlannedCharge[]): Map<string, number> {
  const debits = new Map<string, number>();
  for (const charge of charges) debits.set(charge.accountId, (debits.get(charge.accountId) ?? 0) + charge.amountCents);
  return debits;
}

/**
 * The batch's suspensions and reactivations in each number's history. Its renewals need no event:
 * the history reads them from the periods charged (store/number-event-store.ts).
 */
function billingEvents(plan: RenewalPlan, at: string): NewNumberEvent[] {
  const events: NewNumberEvent[] = [];
  for (const tenure of plan.tenures) {
    if (tenure.paidUp === !tenure.wasSuspended) continue;
    const kind = tenure.paidUp ? 'reactivated' : 'suspended';
    events.push({
      kind,
      id: billingEventId(kind, at, tenure.orderId, tenure.nextPeriod),
      didNumber: tenure.didNumber,
      accountId: tenure.accountId,
      source: SYSTEM_SOURCE,
      at,
      details: { order_id: tenure.orderId, period: tenure.nextPeriod, unpaid_from: tenure.nextDueOn },
    });
  }
  return events;
}
