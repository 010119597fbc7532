import type { NumberType } from './phone-number.js';

/**
 * How a rule's price is rounded, always up so that a price never falls below its markup:
 * `up_to_5_cents` to the next multiple of 5 cents ($12.01 → $12.05), `up_to_95_cents` to the next
 * amount ending in .95 ($12.01 → $12.95, $12.96 → $13.95), `up_to_dollar` to the next whole dollar
 * ($12.01 → $13.00). A price of $0 stays $0 whatever the rounding: a free setup stays free.
 */
export const ROUNDING_RULES = ['none', 'up_to_5_cents', 'up_to_95_cents', 'up_to_dollar'] as const;
export type RoundingRule = (typeof ROUNDING_RULES)[number];

/** At most 1000%: a larger markup is a typing mistake, not a price. */
export const MAX_MARKUP_BASIS_POINTS = 100_000;

/**
 * The operator's price for a number type's upstream numbers: the upstream's cost, plus a
 * percentage of it, plus a fixed amount, then rounded. Setup and monthly prices are each made
 * from their own cost; the percentage and the rounding apply to both.
 */
export interface PricingRule {
  numberType: NumberType;
  /** Hundredths of a percent: 2500 is 25%. */
  markupBasisPoints: number;
  setupMarkupCents: number;
  monthlyMarkupCents: number;
  rounding: RoundingRule;
}

export interface Cost {
  setupCents: number;
  monthlyCents: number;
}

/** The price of a number whose upstream cost is `cost`, by the rule: integer cents in, integer cents out. */
export function priceByRule(rule: PricingRule, cost: Cost): Cost {
  return {
    setupCents: markedUp(cost.setupCents, rule.markupBasisPoints, rule.setupMarkupCents, rule.rounding),
    monthlyCents: markedUp(cost.monthlyCents, rule.markupBasisPoints, rule.monthlyMarkupCents, rule.rounding),
  };
}

/** cost + cost × percentage (half a cent rounds up) + fixed, rounded by the rule. */
export function markedUp(costCents: number, basisPoints: number, fixedCents: number, rounding: RoundingRule): number {
  requireCents(costCents, 'cost');
  requireCents(fixedCents, 'fixed markup');
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > MAX_MARKUP_BASIS_POINTS) {
    throw new RangeError(`markup must be whole basis points from 0 to ${MAX_MARKUP_BASIS_POINTS} (got ${basisPoints})`);
  }
  // Exact in doubles: cents up to 10^9 times basis points up to 10^5 stay below 2^53.
  const percentCents = Math.floor((costCents * basisPoints + 5_000) / 10_000);
  return roundUp(costCents + percentCents + fixedCents, rounding);
}

export function roundUp(cents: number, rounding: RoundingRule): number {
  if (cents === 0) return 0;
  switch (rounding) {
    case 'none':
      return cents;
    case 'up_to_5_cents':
      return ceilToMultiple(cents, 5);
    case 'up_to_dollar':
      return ceilToMultiple(cents, 100);
    case 'up_to_95_cents': {
      const candidate = cents - (cents % 100) + 95;
      return candidate >= cents ? candidate : candidate + 100;
    }
  }
}

function ceilToMultiple(cents: number, step: number): number {
  const over = cents % step;
  return over === 0 ? cents : cents + step - over;
}

/** Up to ten million dollars: beyond it the arithmetic above would no longer be exact. */
export const MAX_COST_CENTS = 1_000_000_000;

function requireCents(cents: number, what: string): void {
  if (!Number.isInteger(cents) || cents < 0 || cents > MAX_COST_CENTS) throw new RangeError(`${what} must be whole cents from 0 to ${MAX_COST_CENTS} (got ${cents})`);
}
