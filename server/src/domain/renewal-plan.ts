import type { CalendarDate } from './calendar-date.js';
import { periodsDue, periodStart } from './rental-period.js';

/** A tenure with a period due, as a billing run reads it. */
export interface DueTenure {
  orderId: string;
  didNumber: string;
  accountId: string;
  purchasedOn: CalendarDate;
  nextPeriod: number;
  suspended: boolean;
  /** What a month of the number costs its owner now. */
  monthlyCents: number;
}

export interface AccountFunds {
  balanceCents: number;
  heldCents: number;
}

export interface PlannedCharge {
  orderId: string;
  didNumber: string;
  accountId: string;
  period: number;
  start: CalendarDate;
  end: CalendarDate;
  amountCents: number;
  /** The account's balance once this charge (and those before it in the plan) is posted. */
  balanceAfterCents: number;
}

export interface PlannedTenure {
  orderId: string;
  didNumber: string;
  accountId: string;
  nextPeriod: number;
  nextDueOn: CalendarDate;
  /** Every period begun is paid. */
  paidUp: boolean;
  /** It was suspended before this run. */
  wasSuspended: boolean;
}

export interface RenewalPlan {
  charges: PlannedCharge[];
  tenures: PlannedTenure[];
  /** Each account's total charged, in cents (positive). */
  debits: Map<string, number>;
}

/**
 * What a billing run does with a batch of due tenures: each period begun by `asOf` is charged in
 * turn, oldest first, while its owner's available balance (balance less what purchases hold)
 * covers it; a tenure left with a period unpaid is to be suspended. Pure: the run posts the plan
 * in the same transaction in which it read the tenures and the balances.
 */
export function planRenewals(tenures: readonly DueTenure[], funds: ReadonlyMap<string, AccountFunds>, asOf: CalendarDate): RenewalPlan {
  const available = new Map<string, number>();
  const balance = new Map<string, number>();
  for (const [accountId, account] of funds) {
    available.set(accountId, account.balanceCents - account.heldCents);
    balance.set(accountId, account.balanceCents);
  }
  const plan: RenewalPlan = { charges: [], tenures: [], debits: new Map() };
  for (const tenure of tenures) {
    let next = tenure.nextPeriod;
    const due = periodsDue(tenure.purchasedOn, next, asOf);
    for (const period of due) {
      const left = available.get(tenure.accountId) ?? 0;
      if (tenure.monthlyCents > left) break;
      const after = (balance.get(tenure.accountId) ?? 0) - tenure.monthlyCents;
      available.set(tenure.accountId, left - tenure.monthlyCents);
      balance.set(tenure.accountId, after);
      plan.debits.set(tenure.accountId, (plan.debits.get(tenure.accountId) ?? 0) + tenure.monthlyCents);
      plan.charges.push({
        orderId: tenure.orderId,
        didNumber: tenure.didNumber,
        accountId: tenure.accountId,
        period: period.index,
        start: period.start,
        end: period.end,
        amountCents: tenure.monthlyCents,
        balanceAfterCents: after,
      });
      next = period.index + 1;
    }
    plan.tenures.push({
      orderId: tenure.orderId,
      didNumber: tenure.didNumber,
      accountId: tenure.accountId,
      nextPeriod: next,
      nextDueOn: periodStart(tenure.purchasedOn, next),
      paidUp: next > (due.at(-1)?.index ?? next - 1),
      wasSuspended: tenure.suspended,
    });
  }
  return plan;
}
