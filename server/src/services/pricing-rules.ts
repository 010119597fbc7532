import { UPSTREAM_CARRIERS } from '../domain/carrier-name.js';
import type { NumberType } from '../domain/phone-number.js';
import { priceByRule, type PricingRule } from '../domain/pricing-rule.js';
import { listPricingRules, upsertPricingRule } from '../store/pricing-rule-store.js';
import type { PricingRuleRow } from '../store/tables.js';
import { listRulePricedNumbers, setRulePrices } from '../store/upstream-stock-store.js';
import { isoNow, type ServiceDeps } from './deps.js';

/**
 * Pricing rules: the price of each number an upstream sells is its upstream cost marked up by its
 * type's rule. A number with its own price keeps it; numbers already sold keep what was paid.
 */

export interface StoredPricingRule extends PricingRule {
  updatedAt: string;
}

const REPRICE_BATCH = 1_000;

export function pricingRuleOf(row: PricingRuleRow): StoredPricingRule {
  return {
    numberType: row.number_type,
    markupBasisPoints: Number(row.markup_basis_points),
    setupMarkupCents: Number(row.setup_markup_cents),
    monthlyMarkupCents: Number(row.monthly_markup_cents),
    rounding: row.rounding,
    updatedAt: row.updated_at,
  };
}

export async function pricingRules(deps: Pick<ServiceDeps, 'database'>): Promise<StoredPricingRule[]> {
  return (await listPricingRules(deps.database.db)).map(pricingRuleOf);
}

/**
 * Sets a type's rule, then reprices at once every unsold number of the type that follows it, a
 * batch per transaction (a crash part way leaves the rest to the next catalogue sync, which
 * prices by the rule too).
 */
export async function setPricingRule(deps: ServiceDeps, rule: PricingRule): Promise<{ rule: StoredPricingRule; repriced: number }> {
  const row: PricingRuleRow = {
    number_type: rule.numberType,
    markup_basis_points: rule.markupBasisPoints,
    setup_markup_cents: rule.setupMarkupCents,
    monthly_markup_cents: rule.monthlyMarkupCents,
    rounding: rule.rounding,
    updated_at: isoNow(deps),
  };
  await deps.database.writeStatement((ex) => upsertPricingRule(ex, row));
  let repriced = 0;
  for (const carrier of UPSTREAM_CARRIERS) repriced += await repriceByRule(deps, carrier, rule);
  return { rule: pricingRuleOf(row), repriced };
}

async function repriceByRule(deps: ServiceDeps, carrier: (typeof UPSTREAM_CARRIERS)[number], rule: PricingRule): Promise<number> {
  let repriced = 0;
  let after = '';
  for (;;) {
    const { changed, last } = await deps.database.writeTransaction(async (trx) => {
      const numbers = await listRulePricedNumbers(trx, carrier, rule.numberType, after, REPRICE_BATCH);
      const prices = [];
      for (const number of numbers) {
        const price = priceByRule(rule, {
          setupCents: Number(number.upstream_setup_cost_cents),
          monthlyCents: Number(number.upstream_monthly_cost_cents),
        });
        if (price.setupCents !== Number(number.setup_cost_cents) || price.monthlyCents !== Number(number.monthly_cost_cents)) {
          prices.push({ didNumber: number.did_number, ...price });
        }
      }
      return { changed: await setRulePrices(trx, carrier, prices, isoNow(deps)), last: numbers.length < REPRICE_BATCH ? undefined : numbers.at(-1)!.did_number };
    });
    repriced += changed;
    if (last === undefined) return repriced;
    after = last;
  }
}

/** The rules by number type, for pricing many numbers. */
export async function pricingRulesByType(deps: Pick<ServiceDeps, 'database'>): Promise<Map<NumberType, PricingRule>> {
  return new Map((await pricingRules(deps)).map((rule) => [rule.numberType, rule]));
}
