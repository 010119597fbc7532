import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NUMBER_TYPES } from '../server/src/domain/phone-number.js';
import { planCapFor, priceFor, type PlanTypePrice, type PricedNumber, type PricePlan } from '../server/src/domain/price-plan.js';
import { ROUNDING_RULES } from '../server/src/domain/pricing-rule.js';

const cents = fc.integer({ min: 0, max: 50_000 });
const typePrice: fc.Arbitrary<PlanTypePrice> = fc.oneof(
  fc.record({ basis: fc.constant('fixed' as const), setupCents: cents, monthlyCents: cents }),
  fc.record({
    basis: fc.constant('markup' as const),
    markupBasisPoints: fc.integer({ min: 0, max: 100_000 }),
    setupMarkupCents: cents,
    monthlyMarkupCents: cents,
    rounding: fc.constantFrom(...ROUNDING_RULES),
  }),
);
const plan: fc.Arbitrary<PricePlan> = fc
  .dictionary(fc.constantFrom(...NUMBER_TYPES), typePrice, { maxKeys: 4 })
  .map((prices) => ({ id: 'pln_x', name: 'x', prices }));
const upstream = fc.option(fc.tuple(cents, cents), { freq: 2 });
const number: fc.Arbitrary<PricedNumber> = fc
  .record({ type: fc.constantFrom(...NUMBER_TYPES), custom: fc.boolean(), setup: cents, monthly: cents, upstream })
  .map((n) => ({
    number_type: n.type,
    custom_price: n.custom ? 1 : 0,
    setup_cost_cents: n.setup,
    monthly_cost_cents: n.monthly,
    upstream_setup_cost_cents: n.upstream?.[0] ?? null,
    upstream_monthly_cost_cents: n.upstream?.[1] ?? null,
  }));

/** The search's SQL condition (store/stock-search.ts planCapped), written over one row. */
function passesCap(p: PricePlan, n: PricedNumber, capCents: number): boolean {
  const cap = planCapFor(p, n.number_type, capCents);
  const capped = n.monthly_cost_cents <= capCents;
  if (cap.kind === 'default') return capped;
  if (cap.kind === 'fixed') return cap.planMatches ? n.custom_price === 0 || capped : n.custom_price === 1 && capped;
  const followsPlan = n.custom_price === 0 && n.upstream_setup_cost_cents !== null && n.upstream_monthly_cost_cents !== null;
  if (cap.maxUpstreamMonthlyCents === null) return !followsPlan && capped;
  return followsPlan ? n.upstream_monthly_cost_cents! <= cap.maxUpstreamMonthlyCents : capped;
}

describe('price plans, pure', () => {
  it("keeps a number's own price, then takes the plan's for its type, then the default", () => {
    const p: PricePlan = {
      id: 'pln_x',
      name: 'x',
      prices: {
        geographic: { basis: 'fixed', setupCents: 100, monthlyCents: 200 },
        mobile: { basis: 'markup', markupBasisPoints: 1_000, setupMarkupCents: 0, monthlyMarkupCents: 50, rounding: 'up_to_95_cents' },
      },
    };
    const base = { setup_cost_cents: 500, monthly_cost_cents: 1_000, upstream_setup_cost_cents: null, upstream_monthly_cost_cents: null };
    assert.deepEqual(priceFor({ ...base, number_type: 'geographic', custom_price: 0 }, p), { setupCents: 100, monthlyCents: 200 });
    assert.deepEqual(priceFor({ ...base, number_type: 'geographic', custom_price: 1 }, p), { setupCents: 500, monthlyCents: 1_000 });
    assert.deepEqual(priceFor({ ...base, number_type: 'tollfree', custom_price: 0 }, p), { setupCents: 500, monthlyCents: 1_000 });
    assert.deepEqual(priceFor({ ...base, number_type: 'mobile', custom_price: 0 }, p), { setupCents: 500, monthlyCents: 1_000 }, 'no cost to mark up');
    const upstreamMobile = { ...base, number_type: 'mobile' as const, custom_price: 0, upstream_setup_cost_cents: 100, upstream_monthly_cost_cents: 500 };
    assert.deepEqual(priceFor(upstreamMobile, p), { setupCents: 195, monthlyCents: 695 });
    assert.deepEqual(priceFor(upstreamMobile, undefined), { setupCents: 500, monthlyCents: 1_000 });
  });

  it("a search's price cap passes exactly the numbers whose price for the plan is within it", () => {
    fc.assert(
      fc.property(plan, number, fc.integer({ min: 0, max: 60_000 }), (p, n, capCents) => {
        assert.equal(passesCap(p, n, capCents), priceFor(n, p).monthlyCents <= capCents);
      }),
      { numRuns: 5_000 },
    );
  });
});
