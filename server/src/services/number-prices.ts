import { AppError } from '../domain/errors.js';
import type { StockedNumber, TypePrice } from '../domain/number-record.js';
import { parseNumber, type NumberType } from '../domain/phone-number.js';
import { repriceNumbersOfType, setNumberPrice } from '../store/inventory-store.js';
import { findNumber } from '../store/number-store.js';
import { findPrice, listPrices, upsertPrice } from '../store/price-store.js';
import { findPricingRule } from '../store/pricing-rule-store.js';
import { priceByRule } from '../domain/pricing-rule.js';
import { pricingRuleOf } from './pricing-rules.js';
import type { NumberPriceRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';

/**
 * Prices: each number type has a price that numbers without their own follow; a number may have its
 * own. Changing a price changes what unsold numbers cost; numbers already sold keep what was paid.
 * Numbers with an upstream cost follow their type's pricing rule instead (pricing-rules.ts).
 */

export interface Price {
  setupCents: number;
  monthlyCents: number;
}

export function typePrices(deps: ServiceDeps): Promise<TypePrice[]> {
  return listPrices(deps.database.db);
}

export async function setTypePrice(
  deps: ServiceDeps,
  numberType: NumberType,
  price: Price,
): Promise<{ price: TypePrice; repriced: number }> {
  const at = isoNow(deps);
  return deps.database.writeTransaction(async (trx) => {
    const row: NumberPriceRow = {
      number_type: numberType,
      setup_cost_cents: price.setupCents,
      monthly_cost_cents: price.monthlyCents,
      updated_at: at,
    };
    await upsertPrice(trx, row);
    return { price: row, repriced: await repriceNumbersOfType(trx, numberType, price, at) };
  });
}

/** A number's own price, or (price null) back to its type's price (its pricing rule's, for a number with an upstream cost). */
export async function setOwnNumberPrice(deps: ServiceDeps, didNumber: string, price: Price | null): Promise<StockedNumber> {
  const e164 = requireNumberFormat(didNumber);
  const row = await deps.database.writeTransaction(async (trx) => {
    if (price) return setNumberPrice(trx, e164, { ...price, custom: true }, isoNow(deps));
    const number = await findNumber(trx, e164);
    if (!number) return undefined;
    const rule = number.upstream_setup_cost_cents === null ? undefined : await findPricingRule(trx, number.number_type);
    if (rule) {
      const cost = { setupCents: Number(number.upstream_setup_cost_cents), monthlyCents: Number(number.upstream_monthly_cost_cents) };
      return setNumberPrice(trx, e164, { ...priceByRule(pricingRuleOf(rule), cost), custom: false }, isoNow(deps));
    }
    const typePrice = await findPrice(trx, number.number_type);
    if (!typePrice) {
      throw new AppError('invalid_request', `${number.number_type} numbers have no type price to follow; set one first`);
    }
    const followed = { setupCents: Number(typePrice.setup_cost_cents), monthlyCents: Number(typePrice.monthly_cost_cents) };
    return setNumberPrice(trx, e164, { ...followed, custom: false }, isoNow(deps));
  });
  if (!row) throw new AppError('number_not_found', `${e164} is not in the inventory`);
  return row;
}

export async function inventoryNumber(deps: ServiceDeps, didNumber: string): Promise<StockedNumber> {
  const e164 = requireNumberFormat(didNumber);
  const row = await findNumber(deps.database.db, e164);
  if (!row) throw new AppError('number_not_found', `${e164} is not in the inventory`);
  return row;
}

function requireNumberFormat(didNumber: string): string {
  const parsed = parseNumber(didNumber);
  if (!parsed) throw new AppError('invalid_number', `${didNumber} is not a valid Australian or New Zealand number`);
  return parsed.e164;
}
