import { sql } from 'kysely';
import type { NumberType } from '../domain/phone-number.js';
import type { PlanTypePrice, PricePlan, StoredPricePlan } from '../domain/price-plan.js';
import { monthlyPriceFor } from '../domain/price-plan.js';
import type { Executor } from './dialect.js';
import { jsonRows } from './json-rows.js';
import type { PricePlanPriceRow, PricePlanRow } from './tables.js';

/** A plan's rows as the domain's plan. */
export function pricePlanOf(plan: PricePlanRow, prices: PricePlanPriceRow[], accounts: number): StoredPricePlan {
  const byType: Partial<Record<NumberType, PlanTypePrice>> = {};
  for (const row of prices) byType[row.number_type] = typePriceOf(row);
  return { id: plan.id, name: plan.name, prices: byType, createdAt: plan.created_at, updatedAt: plan.updated_at, accounts };
}

function typePriceOf(row: PricePlanPriceRow): PlanTypePrice {
  if (row.basis === 'fixed') return { basis: 'fixed', setupCents: Number(row.setup_cents), monthlyCents: Number(row.monthly_cents) };
  return {
    basis: 'markup',
    markupBasisPoints: Number(row.markup_basis_points),
    setupMarkupCents: Number(row.setup_markup_cents),
    monthlyMarkupCents: Number(row.monthly_markup_cents),
    rounding: row.rounding!,
  };
}

function priceRowOf(planId: string, numberType: NumberType, price: PlanTypePrice): PricePlanPriceRow {
  const fixed = price.basis === 'fixed';
  return {
    price_plan_id: planId,
    number_type: numberType,
    basis: price.basis,
    setup_cents: fixed ? price.setupCents : null,
    monthly_cents: fixed ? price.monthlyCents : null,
    markup_basis_points: fixed ? null : price.markupBasisPoints,
    setup_markup_cents: fixed ? null : price.setupMarkupCents,
    monthly_markup_cents: fixed ? null : price.monthlyMarkupCents,
    rounding: fixed ? null : price.rounding,
  };
}

/** The plans named (every plan without `ids`), with their prices and how many accounts are on each, by name. */
export async function listPricePlans(ex: Executor, ids?: string[]): Promise<StoredPricePlan[]> {
  if (ids?.length === 0) return [];
  let plans = ex.selectFrom('price_plan').selectAll().orderBy('name');
  if (ids) plans = plans.where('id', 'in', ids);
  const planRows = await plans.execute();
  if (planRows.length === 0) return [];
  const planIds = planRows.map((plan) => plan.id);
  const prices = await ex.selectFrom('price_plan_price').selectAll().where('price_plan_id', 'in', planIds).orderBy('number_type').execute();
  const counts = await ex
    .selectFrom('account')
    .select(['price_plan_id', (eb) => eb.fn.countAll<number>().as('accounts')])
    .where('price_plan_id', 'in', planIds)
    .groupBy('price_plan_id')
    .execute();
  const accounts = new Map(counts.map((row) => [row.price_plan_id, Number(row.accounts)]));
  return planRows.map((plan) =>
    pricePlanOf(
      plan,
      prices.filter((row) => row.price_plan_id === plan.id),
      accounts.get(plan.id) ?? 0,
    ),
  );
}

export async function findPricePlan(ex: Executor, id: string): Promise<StoredPricePlan | undefined> {
  return (await listPricePlans(ex, [id]))[0];
}

export async function pricePlanNamed(ex: Executor, name: string): Promise<string | undefined> {
  return (await ex.selectFrom('price_plan').select('id').where('name', '=', name).executeTakeFirst())?.id;
}

export async function insertPricePlan(ex: Executor, plan: PricePlan, at: string): Promise<void> {
  await ex.insertInto('price_plan').values({ id: plan.id, name: plan.name, created_at: at, updated_at: at }).execute();
  await replacePlanPrices(ex, plan.id, plan.prices);
}

/** Renames the plan and, with `prices`, replaces every price it had; false when there is no such plan. */
export async function updatePricePlan(
  ex: Executor,
  id: string,
  changes: { name?: string; prices?: PricePlan['prices'] },
  at: string,
): Promise<boolean> {
  const result = await ex
    .updateTable('price_plan')
    .set({ ...(changes.name === undefined ? {} : { name: changes.name }), updated_at: at })
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return false;
  if (changes.prices) {
    await ex.deleteFrom('price_plan_price').where('price_plan_id', '=', id).execute();
    await replacePlanPrices(ex, id, changes.prices);
  }
  return true;
}

async function replacePlanPrices(ex: Executor, planId: string, prices: PricePlan['prices']): Promise<void> {
  const rows = (Object.entries(prices) as Array<[NumberType, PlanTypePrice]>).map(([type, price]) => priceRowOf(planId, type, price));
  if (rows.length > 0) await ex.insertInto('price_plan_price').values(rows).execute();
}

/**
 * Deletes the plan unless an account is on it: 'in_use' then, 'not_found' without such a plan.
 * The account check and the delete are one statement, so an account put on the plan meanwhile
 * keeps it (its foreign key would refuse the delete otherwise).
 */
export async function deletePricePlan(ex: Executor, id: string): Promise<'deleted' | 'in_use' | 'not_found'> {
  const result = await ex
    .deleteFrom('price_plan')
    .where('id', '=', id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('account').select('id').where('price_plan_id', '=', id))))
    .executeTakeFirst();
  if (result.numDeletedRows === 1n) return 'deleted';
  return (await ex.selectFrom('price_plan').select('id').where('id', '=', id).executeTakeFirst()) ? 'in_use' : 'not_found';
}

/** Puts the account on the plan (null: the default prices); false when there is no such account. */
export async function setAccountPricePlan(ex: Executor, accountId: string, planId: string | null): Promise<boolean> {
  const result = await ex.updateTable('account').set({ price_plan_id: planId }).where('id', '=', accountId).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Which plan each account is on (accounts on none are left out). */
export async function plansOfAccounts(ex: Executor, accountIds: string[]): Promise<Map<string, string>> {
  if (accountIds.length === 0) return new Map();
  const rows = await ex
    .selectFrom('account')
    .select(['id', 'price_plan_id'])
    .where('id', 'in', accountIds)
    .where('price_plan_id', 'is not', null)
    .execute();
  return new Map(rows.map((row) => [row.id, row.price_plan_id!]));
}

/**
 * The monthly price each number renews at, for its owner's plan as the plans are now: the
 * number's own price (custom_price = 1) first, then the plan's price for its type, then the
 * number's current default price. For the billing run: call it inside the run's transaction for
 * a batch, so the amount charged is the one in force when the period is charged (a plan changed
 * later reaches only later periods). Three queries whatever the batch's size; a number not in
 * the inventory is left out of the map.
 */
export async function renewalPrices(ex: Executor, rows: ReadonlyArray<{ did_number: string; account_id: string }>): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  if (rows.length === 0) return prices;
  const didNumbers = [...new Set(rows.map((row) => row.did_number))];
  const numbers = await ex
    .selectFrom('phone_number')
    .select(['did_number', 'number_type', 'custom_price', 'setup_cost_cents', 'monthly_cost_cents', 'upstream_setup_cost_cents', 'upstream_monthly_cost_cents'])
    .where(sql<boolean>`did_number IN (SELECT j.did_number FROM ${jsonRows(ex, didNumbers.map((did) => [did]), { did_number: 'text' })} AS j)`)
    .execute();
  const planOf = await plansOfAccounts(ex, [...new Set(rows.map((row) => row.account_id))]);
  const plans = new Map((await listPlansWithoutCounts(ex, [...new Set(planOf.values())])).map((plan) => [plan.id, plan]));
  const byDid = new Map(numbers.map((number) => [number.did_number, number]));
  for (const row of rows) {
    const number = byDid.get(row.did_number);
    if (!number) continue;
    const planId = planOf.get(row.account_id);
    prices.set(row.did_number, monthlyPriceFor(number, planId === undefined ? undefined : plans.get(planId)));
  }
  return prices;
}

/** Plans and their prices only: what pricing needs, without counting accounts. */
export async function listPlansWithoutCounts(ex: Executor, ids: string[]): Promise<PricePlan[]> {
  if (ids.length === 0) return [];
  const planRows = await ex.selectFrom('price_plan').selectAll().where('id', 'in', ids).execute();
  const prices = await ex.selectFrom('price_plan_price').selectAll().where('price_plan_id', 'in', ids).execute();
  return planRows.map((plan) => pricePlanOf(plan, prices.filter((row) => row.price_plan_id === plan.id), 0));
}

/** The plan's price for one number type, read with the purchase's other facts. */
export type PlanPriceColumns = Pick<
  PricePlanPriceRow,
  'basis' | 'setup_cents' | 'monthly_cents' | 'markup_basis_points' | 'setup_markup_cents' | 'monthly_markup_cents' | 'rounding'
>;

/** A single type's price row as a plan naming only that type. */
export function singleTypePlan(planId: string, numberType: NumberType, row: PlanPriceColumns): PricePlan {
  return { id: planId, name: '', prices: { [numberType]: typePriceOf({ ...row, price_plan_id: planId, number_type: numberType }) } };
}
