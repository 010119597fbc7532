import type { BilbyClient, BillingReport, NewPricePlan, PricePlan, PricePlanChanges, PricePlanPriceInput } from '@bilby/sdk';
import { amount, oneOf, percent } from '../arguments.js';
import { NUMBER_TYPES, ROUNDING_RULES } from '../choices.js';
import { UsageError } from '../failures.js';
import { details, dollars, emit, table, type Io } from '../io.js';

/** Operator commands on price plans, and the billing report. */

export async function listPricePlans(client: BilbyClient, io: Io) {
  emit(io, { results: await client.admin.pricePlans.list() }, (p) =>
    table(p.results, [
      ['id', (plan) => plan.id],
      ['name', (plan) => plan.name],
      ['prices', (plan) => plan.prices.map(describePrice).join('; ')],
      ['accounts', (plan) => plan.accounts],
    ]),
  );
}

export async function showPricePlan(client: BilbyClient, planId: string, io: Io) {
  emit(io, await client.admin.pricePlans.get(planId), describePlan);
}

export async function createPricePlan(client: BilbyClient, input: NewPricePlan, io: Io) {
  emit(io, await client.admin.pricePlans.create(input), (plan) => `Created price plan ${plan.id}.\n${describePlan(plan)}`);
}

export async function updatePricePlan(client: BilbyClient, planId: string, changes: PricePlanChanges, io: Io) {
  emit(io, await client.admin.pricePlans.update(planId, changes), (plan) => `Updated; renewals follow from their next period.\n${describePlan(plan)}`);
}

export async function deletePricePlan(client: BilbyClient, planId: string, io: Io) {
  emit(io, await client.admin.pricePlans.delete(planId), (plan) => `Deleted price plan ${plan.id} (${plan.name}).`);
}

export async function assignPricePlan(client: BilbyClient, accountId: string, planId: string | null, io: Io) {
  emit(io, await client.admin.pricePlans.assign(accountId, planId), (a) =>
    a.price_plan_id === null ? `Account ${a.id} is on the default prices.` : `Account ${a.id} is on price plan ${a.price_plan_id}.`,
  );
}

function describePlan(plan: PricePlan): string {
  return (
    details([
      ['Plan', plan.id],
      ['Name', plan.name],
      ['Accounts', plan.accounts],
      ['Updated', plan.updated_at],
    ]) +
    table(plan.prices, [
      ['type', (p) => p.number_type],
      ['price', describePrice],
    ]) +
    'Types left out keep the default price; a number with its own price keeps it.\n'
  );
}

function describePrice(price: PricePlan['prices'][number]): string {
  if (price.basis === 'fixed') return `${price.number_type}: ${dollars(price.setup_cost)} setup, ${dollars(price.monthly_cost)} a month`;
  const rounding = price.rounding === 'none' || price.rounding === null ? '' : `, rounded ${price.rounding.replaceAll('_', ' ')}`;
  return `${price.number_type}: upstream cost + ${price.markup_percent}%, + ${dollars(price.setup_markup)} setup, + ${dollars(price.monthly_markup)} a month${rounding}`;
}

/** `--fixed <type>:<setup>:<monthly>`, e.g. `mobile:0:5`. */
export function fixedPrice(text: string, previous: PricePlanPriceInput[] = []): PricePlanPriceInput[] {
  const [type, setup, monthly, ...rest] = text.split(':');
  if (setup === undefined || monthly === undefined || rest.length > 0) throw new UsageError(`--fixed takes <type>:<setup>:<monthly>, like mobile:0:5 (got "${text}")`);
  return [...previous, { number_type: oneOf('--fixed <type>', NUMBER_TYPES)(type!), setup_cost: amount('--fixed <setup>')(setup), monthly_cost: amount('--fixed <monthly>')(monthly) }];
}

/** `--markup <type>:<percent>[:<setup>:<monthly>[:<rounding>]]`, e.g. `geographic:10:0:0.5:up_to_95_cents`. */
export function markupPrice(text: string, previous: PricePlanPriceInput[] = []): PricePlanPriceInput[] {
  const [type, pct, setup, monthly, rounding, ...rest] = text.split(':');
  if (pct === undefined || (setup === undefined) !== (monthly === undefined) || rest.length > 0) {
    throw new UsageError(`--markup takes <type>:<percent>[:<setup>:<monthly>[:<rounding>]], like geographic:10:0:0.5:up_to_95_cents (got "${text}")`);
  }
  const price: PricePlanPriceInput = { number_type: oneOf('--markup <type>', NUMBER_TYPES)(type!), markup_percent: percent('--markup <percent>')(pct) };
  if (setup !== undefined) price.setup_markup = amount('--markup <setup>')(setup);
  if (monthly !== undefined) price.monthly_markup = amount('--markup <monthly>')(monthly);
  if (rounding !== undefined) price.rounding = oneOf('--markup <rounding>', ROUNDING_RULES)(rounding);
  return [...previous, price];
}

export async function showBillingReport(client: BilbyClient, range: { from?: string; to?: string }, io: Io) {
  emit(io, await client.admin.reports.billing(range), describeBillingReport);
}

function describeBillingReport(r: BillingReport): string {
  const revenueRows = [...r.revenue.results.map((line) => ({ ...line, label: line.month })), { ...r.revenue.totals, label: 'total', number_type: '' }];
  const n = r.numbers;
  const days = [{ ...r.renewals.overdue, date: 'overdue' }, ...r.renewals.days, { ...r.renewals.totals, date: 'total' }];
  return (
    `Billing as of ${r.as_of}\n\nRevenue ${r.revenue.from} to ${r.revenue.to} (GST included)\n` +
    table(revenueRows, [
      ['month', (x) => x.label],
      ['type', (x) => x.number_type ?? '(none)'],
      ['purchases', (x) => dollars(x.purchases)],
      ['rentals', (x) => dollars(x.rentals)],
      ['refunds', (x) => dollars(x.refunds)],
      ['revenue', (x) => dollars(x.revenue)],
      ['gst', (x) => dollars(x.gst)],
    ]) +
    `\nNumbers: ${n.total} (available ${n.available}, reserved ${n.reserved}, active ${n.active}, suspended ${n.suspended}, ` +
    `quarantine ${n.quarantine}, withdrawn ${n.withdrawn})\n` +
    `\nRenewals due ${r.renewals.from} to ${r.renewals.to}\n` +
    table(days, [
      ['date', (x) => x.date],
      ['renewals', (x) => x.renewals],
      ['amount', (x) => dollars(x.amount)],
    ]) +
    `\nAccounts that cannot cover them\n` +
    table(r.shortfalls, [
      ['account', (s) => s.account_id],
      ['code', (s) => s.account_code],
      ['name', (s) => s.name],
      ['available', (s) => dollars(s.available_balance)],
      ['due', (s) => dollars(s.due)],
      ['shortfall', (s) => dollars(s.shortfall)],
    ])
  );
}
