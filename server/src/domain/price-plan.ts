import type { Cents } from './money.js';
import type { NumberType } from './phone-number.js';
import { markedUp, MAX_COST_CENTS, type RoundingRule } from './pricing-rule.js';

/**
 * A price plan: the operator's prices for the accounts on it, per number type. A type's price is
 * either fixed, or a markup over the number's upstream cost made as a pricing rule makes it. A
 * type the plan leaves out keeps the default price, and so does a number with its own price
 * (custom_price = 1) and, under a markup, a number no upstream sells (it has no cost to mark up).
 */
export type PlanTypePrice =
  | { basis: 'fixed'; setupCents: Cents; monthlyCents: Cents }
  | { basis: 'markup'; markupBasisPoints: number; setupMarkupCents: Cents; monthlyMarkupCents: Cents; rounding: RoundingRule };

export interface PricePlan {
  id: string;
  name: string;
  prices: Partial<Record<NumberType, PlanTypePrice>>;
}

/** A plan as the operator manages it. */
export interface StoredPricePlan extends PricePlan {
  createdAt: string;
  updatedAt: string;
  /** Accounts on the plan. */
  accounts: number;
}

/** What pricing a number for a plan needs to know of it. */
export interface PricedNumber {
  number_type: NumberType;
  /** 1 when the number has its own price, which no plan changes. */
  custom_price: number;
  setup_cost_cents: Cents;
  monthly_cost_cents: Cents;
  upstream_setup_cost_cents: Cents | null;
  upstream_monthly_cost_cents: Cents | null;
}

export interface NumberPrice {
  setupCents: Cents;
  monthlyCents: Cents;
}

/** A number's price for an account on `plan` (undefined: the default prices), integer cents. */
export function priceFor(number: PricedNumber, plan: PricePlan | undefined): NumberPrice {
  const own = { setupCents: Number(number.setup_cost_cents), monthlyCents: Number(number.monthly_cost_cents) };
  const price = plan?.prices[number.number_type];
  if (!price || Number(number.custom_price) === 1) return own;
  if (price.basis === 'fixed') return { setupCents: price.setupCents, monthlyCents: price.monthlyCents };
  if (number.upstream_setup_cost_cents === null || number.upstream_monthly_cost_cents === null) return own;
  return {
    setupCents: markedUp(Number(number.upstream_setup_cost_cents), price.markupBasisPoints, price.setupMarkupCents, price.rounding),
    monthlyCents: markedUp(Number(number.upstream_monthly_cost_cents), price.markupBasisPoints, price.monthlyMarkupCents, price.rounding),
  };
}

/** The monthly price a renewal charges: the number's monthly price for its owner's plan. */
export function monthlyPriceFor(number: PricedNumber, plan: PricePlan | undefined): Cents {
  return priceFor(number, plan).monthlyCents;
}

/** Whether the plan changes the price of any number: a plan with no prices is the default. */
export function changesPrices(plan: PricePlan | undefined): plan is PricePlan {
  return plan !== undefined && Object.keys(plan.prices).length > 0;
}

/**
 * How a cap on the monthly price (a search's max_monthly_cost) reads for one number type under a
 * plan, in terms of the stored columns: numbers that keep the default price are capped on
 * monthly_cost_cents as without a plan; the others by what the plan makes of them.
 *
 * - `default`: every number of the type is capped on monthly_cost_cents (the plan leaves the type out).
 * - `fixed`: numbers following the plan cost `planMatches` (all or none of them pass); numbers with
 *   their own price are capped on monthly_cost_cents.
 * - `markup`: numbers following the plan with an upstream cost pass when that cost is at most
 *   `maxUpstreamMonthlyCents` (null: none does); the others are capped on monthly_cost_cents.
 */
export type PlanCap =
  | { kind: 'default' }
  | { kind: 'fixed'; planMatches: boolean }
  | { kind: 'markup'; maxUpstreamMonthlyCents: Cents | null };

export function planCapFor(plan: PricePlan, numberType: NumberType, capCents: Cents): PlanCap {
  const price = plan.prices[numberType];
  if (!price) return { kind: 'default' };
  if (price.basis === 'fixed') return { kind: 'fixed', planMatches: price.monthlyCents <= capCents };
  return { kind: 'markup', maxUpstreamMonthlyCents: largestCostWithin(price, capCents) };
}

/** The largest upstream cost the markup prices within the cap: the markup never lowers a price as the cost grows. */
function largestCostWithin(price: Extract<PlanTypePrice, { basis: 'markup' }>, capCents: Cents): Cents | null {
  const monthly = (cost: Cents) => markedUp(cost, price.markupBasisPoints, price.monthlyMarkupCents, price.rounding);
  if (monthly(0) > capCents) return null;
  let low = 0;
  let high = Math.min(MAX_COST_CENTS, Math.max(0, capCents));
  if (monthly(high) <= capCents) return high;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (monthly(mid) <= capCents) low = mid;
    else high = mid;
  }
  return low;
}
