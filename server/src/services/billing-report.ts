import { invalidRequest } from '../domain/errors.js';
import { availableCents } from '../domain/money.js';
import { addMonths, monthOf, monthsSpanned, monthStart } from '../domain/month.js';
import type { NumberType } from '../domain/phone-number.js';
import { monthlyPriceFor, type PricePlan } from '../domain/price-plan.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { accountsFunds, countNumbersByStatus, dueRenewalGroups, revenueByMonthAndType } from '../store/billing-report-store.js';
import { listPlansWithoutCounts } from '../store/price-plan-store.js';
import type { ServiceDeps } from './deps.js';

export interface RevenueLine {
  purchaseCents: number;
  rentalCents: number;
  refundCents: number;
  /** Purchases and rentals, net of refunds (GST included, as every price is). */
  revenueCents: number;
  gstCents: number;
}

export const REPORTED_STATUSES = ['available', 'reserved', 'active', 'suspended', 'quarantine', 'withdrawn'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export interface RenewalLine {
  renewals: number;
  amountCents: number;
}

export interface Shortfall {
  accountId: string;
  accountCode: string;
  name: string;
  availableCents: number;
  dueCents: number;
  renewals: number;
  shortfallCents: number;
}

export interface BillingReport {
  /** Today, in the billing time zone. */
  asOf: string;
  revenue: {
    from: string;
    to: string;
    results: Array<RevenueLine & { month: string; numberType: NumberType | null }>;
    totals: RevenueLine;
  };
  numbers: Record<ReportedStatus, number> & { total: number };
  renewals: {
    /** The first and last days counted: today and 29 days on. */
    from: string;
    to: string;
    /** Periods due before today and not yet paid (suspended numbers, or a run still to come). */
    overdue: RenewalLine;
    /** Days with renewals due, in order. */
    days: Array<RenewalLine & { date: string }>;
    totals: RenewalLine;
  };
  /** Accounts whose available balance does not cover their renewals due by `renewals.to` (overdue ones included), largest shortfall first. */
  shortfalls: Shortfall[];
}

const MAX_MONTHS = 120;
export const RENEWAL_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The operator's billing report. Revenue is what the ledger posted for purchases and rentals, less
 * refunds, per month (UTC, as the margin report) and number type, with the GST it includes; `to`
 * defaults to this month and `from` to eleven months before. Renewals are priced as the billing
 * run would charge them now (renewalPrices' rules: the number's own price, its owner's plan, the
 * default), so a plan change shows in the next periods only.
 */
export async function billingReport(deps: ServiceDeps, range: { from?: string; to?: string }): Promise<BillingReport> {
  const to = range.to ?? monthOf(deps.clock());
  const from = range.from ?? addMonths(to, -11);
  const span = monthsSpanned(from, to);
  if (span < 1) throw invalidRequest('from', `must not be after to (${to})`);
  if (span > MAX_MONTHS) throw invalidRequest('from', `the report covers at most ${MAX_MONTHS} months`);
  const reads = deps.database.reads;
  const today = calendarDateOf(deps.clock(), deps.settings.billing.timeZone);
  const until = addDays(today, RENEWAL_DAYS);

  const [revenueRows, statusRows, groups] = await Promise.all([
    revenueByMonthAndType(reads, monthStart(from), monthStart(addMonths(to, 1))),
    countNumbersByStatus(reads),
    dueRenewalGroups(reads, until),
  ]);

  const revenueTotals = emptyRevenue();
  const revenueResults = revenueRows.map((row) => {
    const line: RevenueLine = {
      purchaseCents: row.purchase_cents,
      rentalCents: row.rental_cents,
      refundCents: row.refund_cents,
      revenueCents: row.purchase_cents + row.rental_cents + row.refund_cents,
      gstCents: row.gst_cents,
    };
    addRevenue(revenueTotals, line);
    return { month: row.month, numberType: row.number_type, ...line };
  });

  const numbers = { total: 0, ...Object.fromEntries(REPORTED_STATUSES.map((status) => [status, 0])) } as BillingReport['numbers'];
  for (const row of statusRows) {
    const status: ReportedStatus = row.status === 'active' && row.suspended === 1 ? 'suspended' : row.status;
    numbers[status] += row.count;
    numbers.total += row.count;
  }

  const accountIds = [...new Set(groups.map((group) => group.account_id))];
  const accounts = await accountsFunds(reads, accountIds);
  const planIds = [...new Set(accounts.flatMap((account) => (account.price_plan_id ? [account.price_plan_id] : [])))];
  const plans = new Map((await listPlansWithoutCounts(reads, planIds)).map((plan) => [plan.id, plan]));
  const planOf = new Map<string, PricePlan | undefined>(accounts.map((a) => [a.id, a.price_plan_id ? plans.get(a.price_plan_id) : undefined]));

  const overdue: RenewalLine = { renewals: 0, amountCents: 0 };
  const totals: RenewalLine = { renewals: 0, amountCents: 0 };
  const days = new Map<string, RenewalLine>();
  const dueByAccount = new Map<string, RenewalLine>();
  for (const group of groups) {
    const amountCents = monthlyPriceFor(group, planOf.get(group.account_id)) * group.renewals;
    const day = group.next_due_on < today ? overdue : lineOf(days, group.next_due_on);
    for (const line of [day, totals, lineOf(dueByAccount, group.account_id)]) {
      line.renewals += group.renewals;
      line.amountCents += amountCents;
    }
  }

  const shortfalls: Shortfall[] = [];
  for (const account of accounts) {
    const due = dueByAccount.get(account.id)!;
    const available = availableCents(account);
    if (available >= due.amountCents) continue;
    shortfalls.push({
      accountId: account.id,
      accountCode: account.account_code,
      name: account.name,
      availableCents: available,
      dueCents: due.amountCents,
      renewals: due.renewals,
      shortfallCents: due.amountCents - available,
    });
  }
  shortfalls.sort((a, b) => b.shortfallCents - a.shortfallCents || (a.accountId < b.accountId ? -1 : 1));

  return {
    asOf: today,
    revenue: { from, to, results: revenueResults, totals: revenueTotals },
    numbers,
    renewals: {
      from: today,
      to: addDays(today, RENEWAL_DAYS - 1),
      overdue,
      days: [...days].map(([date, line]) => ({ date, ...line })),
      totals,
    },
    shortfalls,
  };
}

function lineOf(lines: Map<string, RenewalLine>, key: string): RenewalLine {
  let line = lines.get(key);
  if (!line) {
    line = { renewals: 0, amountCents: 0 };
    lines.set(key, line);
  }
  return line;
}

function emptyRevenue(): RevenueLine {
  return { purchaseCents: 0, rentalCents: 0, refundCents: 0, revenueCents: 0, gstCents: 0 };
}

function addRevenue(into: RevenueLine, line: RevenueLine): void {
  into.purchaseCents += line.purchaseCents;
  into.rentalCents += line.rentalCents;
  into.refundCents += line.refundCents;
  into.revenueCents += line.revenueCents;
  into.gstCents += line.gstCents;
}

/** A calendar date `days` later (dates have no time zone of their own: UTC arithmetic is exact). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
