import type { Account } from '../domain/account.js';
import type { ApiKeyInfo } from '../domain/api-key.js';
import { availableCents, centsToDollars } from '../domain/money.js';
import type { NumberEvent } from '../domain/number-event.js';
import { shownStatus, type StockedNumber, type TypePrice } from '../domain/number-record.js';
import type { NumberType } from '../domain/phone-number.js';
import type { PlanTypePrice, StoredPricePlan } from '../domain/price-plan.js';
import type { Destination } from '../domain/routing.js';
import type { StoredPricingRule } from '../services/pricing-rules.js';
import type { BillingRun } from '../services/billing-run-queries.js';
import type { CatalogueSyncRun } from '../services/catalogue-sync-runs.js';
import type { MarginLine, MarginReport } from '../services/margin-report.js';
import type { BillingReport, RenewalLine, RevenueLine } from '../services/billing-report.js';
import { presentAvailable, presentNumberEvent } from './presenters.js';

/** What the operator's services return, to the wire. Secrets (key hashes) never leave. */

export function presentAdminAccount(row: Account) {
  const balance = Number(row.balance_cents);
  return {
    id: row.id,
    account_code: row.account_code,
    name: row.name,
    status: row.status,
    balance: centsToDollars(balance),
    available_balance: centsToDollars(availableCents(row)),
    price_plan_id: row.price_plan_id,
    created_at: row.created_at,
  };
}

export function presentApiKey(row: ApiKeyInfo) {
  return { id: row.id, hint: row.hint, label: row.label, created_at: row.created_at, revoked_at: row.revoked_at };
}

export function presentAdminDestination(row: Destination) {
  return {
    id: row.id,
    route: row.route,
    destination: row.destination,
    description: row.description,
    enabled: row.enabled === 1,
    created_at: row.created_at,
  };
}

export function presentTypePrice(row: TypePrice) {
  return {
    number_type: row.number_type,
    setup_cost: centsToDollars(Number(row.setup_cost_cents)),
    monthly_cost: centsToDollars(Number(row.monthly_cost_cents)),
    updated_at: row.updated_at,
  };
}

export function presentInventoryNumber(row: StockedNumber) {
  return {
    ...presentAvailable(row),
    status: shownStatus(row),
    account_id: row.account_id,
    custom_price: row.custom_price === 1,
    carrier: row.carrier,
    upstream_setup_cost: row.upstream_setup_cost_cents === null ? null : centsToDollars(Number(row.upstream_setup_cost_cents)),
    upstream_monthly_cost: row.upstream_monthly_cost_cents === null ? null : centsToDollars(Number(row.upstream_monthly_cost_cents)),
    quarantine_until: row.quarantine_until,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function presentPricingRule(rule: StoredPricingRule) {
  return {
    number_type: rule.numberType,
    markup_percent: rule.markupBasisPoints / 100,
    setup_markup: centsToDollars(rule.setupMarkupCents),
    monthly_markup: centsToDollars(rule.monthlyMarkupCents),
    rounding: rule.rounding,
    updated_at: rule.updatedAt,
  };
}

export function presentCatalogueSync(run: CatalogueSyncRun) {
  const count = (value: number) => Number(value);
  return {
    id: run.id,
    carrier: run.carrier,
    status: run.status,
    started_by: run.started_by,
    slices_total: count(run.slices_total),
    slices_done: count(run.slices_done),
    pages_read: count(run.pages_read),
    numbers_seen: count(run.numbers_seen),
    added: count(run.added),
    repriced: count(run.repriced),
    withdrawn: count(run.withdrawn),
    unchanged: count(run.unchanged),
    skipped_types: JSON.parse(run.skipped_types) as string[],
    error: run.error,
    started_at: run.started_at,
    updated_at: run.updated_at,
    finished_at: run.finished_at,
  };
}

export function presentBillingRun(run: BillingRun) {
  const count = (value: number) => Number(value);
  return {
    id: run.id,
    status: run.status,
    started_by: run.started_by,
    as_of: run.as_of,
    tenures_total: run.tenures_total === null ? null : count(run.tenures_total),
    tenures_done: count(run.tenures_done),
    renewed: count(run.renewed),
    charged: centsToDollars(count(run.charged_cents)),
    suspended: count(run.suspended),
    reactivated: count(run.reactivated),
    still_suspended: count(run.still_suspended),
    released: count(run.released),
    released_at_period_end: count(run.released_at_period_end),
    error: run.error,
    started_at: run.started_at,
    updated_at: run.updated_at,
    finished_at: run.finished_at,
  };
}

function presentMarginLine(line: MarginLine) {
  return {
    sales: line.sales,
    revenue: centsToDollars(line.revenueCents),
    upstream_cost: centsToDollars(line.upstreamCostCents),
    margin: centsToDollars(line.marginCents),
    sales_without_upstream_cost: line.salesWithoutUpstreamCost,
  };
}

export function presentMarginReport(report: MarginReport) {
  return {
    from: report.from,
    to: report.to,
    results: report.results.map((line) => ({ month: line.month, number_type: line.numberType, ...presentMarginLine(line) })),
    totals: presentMarginLine(report.totals),
  };
}

/** An event of a number's history as the operator sees it: with the owner it concerns. */
export function presentAdminNumberEvent(event: NumberEvent) {
  return { ...presentNumberEvent(event), account_id: event.account_id };
}

export function presentPricePlan(plan: StoredPricePlan) {
  const prices = (Object.entries(plan.prices) as Array<[NumberType, PlanTypePrice]>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([numberType, price]) => {
      const fixed = price.basis === 'fixed';
      return {
        number_type: numberType,
        basis: price.basis,
        setup_cost: fixed ? centsToDollars(price.setupCents) : null,
        monthly_cost: fixed ? centsToDollars(price.monthlyCents) : null,
        markup_percent: fixed ? null : price.markupBasisPoints / 100,
        setup_markup: fixed ? null : centsToDollars(price.setupMarkupCents),
        monthly_markup: fixed ? null : centsToDollars(price.monthlyMarkupCents),
        rounding: fixed ? null : price.rounding,
      };
    });
  return { id: plan.id, name: plan.name, prices, accounts: plan.accounts, created_at: plan.createdAt, updated_at: plan.updatedAt };
}

function presentRevenueLine(line: RevenueLine) {
  return {
    purchases: centsToDollars(line.purchaseCents),
    rentals: centsToDollars(line.rentalCents),
    refunds: centsToDollars(line.refundCents),
    revenue: centsToDollars(line.revenueCents),
    gst: centsToDollars(line.gstCents),
  };
}

function presentRenewalLine(line: RenewalLine) {
  return { renewals: line.renewals, amount: centsToDollars(line.amountCents) };
}

export function presentBillingReport(report: BillingReport) {
  return {
    as_of: report.asOf,
    revenue: {
      from: report.revenue.from,
      to: report.revenue.to,
      results: report.revenue.results.map((line) => ({ month: line.month, number_type: line.numberType, ...presentRevenueLine(line) })),
      totals: presentRevenueLine(report.revenue.totals),
    },
    numbers: report.numbers,
    renewals: {
      from: report.renewals.from,
      to: report.renewals.to,
      overdue: presentRenewalLine(report.renewals.overdue),
      days: report.renewals.days.map((day) => ({ date: day.date, ...presentRenewalLine(day) })),
      totals: presentRenewalLine(report.renewals.totals),
    },
    shortfalls: report.shortfalls.map((s) => ({
      account_id: s.accountId,
      account_code: s.accountCode,
      name: s.name,
      available_balance: centsToDollars(s.availableCents),
      renewals: s.renewals,
      due: centsToDollars(s.dueCents),
      shortfall: centsToDollars(s.shortfallCents),
    })),
  };
}
