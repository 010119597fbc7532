import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { markedUp, priceByRule, ROUNDING_RULES, roundUp, type PricingRule, type RoundingRule } from '../server/src/domain/pricing-rule.js';

const STEP: Record<RoundingRule, number> = { none: 1, up_to_5_cents: 5, up_to_95_cents: 100, up_to_dollar: 100 };

describe('pricing rule: the price of an upstream number', () => {
  it('adds the percentage of the cost and the fixed markup, each price from its own cost', () => {
    const rule: PricingRule = { numberType: 'geographic', markupBasisPoints: 2_500, setupMarkupCents: 50, monthlyMarkupCents: 1_00, rounding: 'none' };
    // $1.00 setup: +25c +50c; $5.00 a month: +$1.25 +$1.00.
    assert.deepEqual(priceByRule(rule, { setupCents: 1_00, monthlyCents: 5_00 }), { setupCents: 1_75, monthlyCents: 7_25 });
  });

  it('rounds half a cent of percentage up and less than half down', () => {
    assert.equal(markedUp(1, 5_000, 0, 'none'), 2, '1c + 0.5c');
    assert.equal(markedUp(1, 4_999, 0, 'none'), 1, '1c + 0.4999c');
    assert.equal(markedUp(3, 3_333, 0, 'none'), 4, '3c + 0.9999c');
    assert.equal(markedUp(199, 1, 0, 'none'), 199, '0.0199c of markup is nothing');
    assert.equal(markedUp(5_000, 1, 0, 'none'), 5_001, '0.5c of markup is a cent');
  });

  it('rounds up to the next 5 cents, leaving multiples of 5 alone', () => {
    const cases: Array<[number, number]> = [[1, 5], [4, 5], [5, 5], [6, 10], [1_201, 1_205], [1_205, 1_205], [1_299, 1_300]];
    for (const [cents, rounded] of cases) assert.equal(roundUp(cents, 'up_to_5_cents'), rounded, String(cents));
  });

  it('rounds up to the next .95, leaving .95 alone and going to the next dollar past it', () => {
    const cases: Array<[number, number]> = [[1, 95], [94, 95], [95, 95], [96, 1_95], [1_200, 12_95], [12_95, 12_95], [12_96, 13_95], [13_00, 13_95]];
    for (const [cents, rounded] of cases) assert.equal(roundUp(cents, 'up_to_95_cents'), rounded, String(cents));
  });

  it('rounds up to the next whole dollar, leaving whole dollars alone', () => {
    const cases: Array<[number, number]> = [[1, 1_00], [99, 1_00], [1_00, 1_00], [1_01, 2_00], [12_01, 13_00]];
    for (const [cents, rounded] of cases) assert.equal(roundUp(cents, 'up_to_dollar'), rounded, String(cents));
  });

  it('keeps a free price free whatever the rounding', () => {
    for (const rounding of ROUNDING_RULES) {
      assert.equal(markedUp(0, 5_000, 0, rounding), 0, rounding);
      assert.equal(roundUp(0, rounding), 0, rounding);
    }
    assert.equal(markedUp(0, 0, 10, 'up_to_95_cents'), 95, 'a fixed markup on a free setup is a price, rounded');
  });

  it('never prices below cost plus markup, and never a rounding step or more above it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(...ROUNDING_RULES),
        (cost, basisPoints, fixed, rounding) => {
          const price = markedUp(cost, basisPoints, fixed, rounding);
          const exact = cost + (cost * basisPoints) / 10_000 + fixed;
          assert.ok(Number.isSafeInteger(price));
          assert.ok(price >= Math.floor(exact + 0.5) || price === 0);
          assert.ok(price - exact < STEP[rounding] + 0.5, `${price} against ${exact}`);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('refuses amounts that are not whole cents and markups out of range', () => {
    assert.throws(() => markedUp(1.5, 0, 0, 'none'), RangeError);
    assert.throws(() => markedUp(-1, 0, 0, 'none'), RangeError);
    assert.throws(() => markedUp(100, 100_001, 0, 'none'), RangeError);
    assert.throws(() => markedUp(100, 10.5, 0, 'none'), RangeError);
    assert.throws(() => markedUp(100, 0, -5, 'none'), RangeError);
  });
});
