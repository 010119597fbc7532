import { AppError } from '../domain/errors.js';
import type { ChangeSource, FieldChanges } from '../domain/number-event.js';
import type { StockedNumber, TypePrice } from '../domain/number-record.js';
import { parseNumber, type NumberType } from '../domain/phone-number.js';
import { repriceNumbersOfType, setNumberPrice } from '../store/inventory-store.js';
import { recordNumberEvents } from '../store/number-event-store.js';
import { findNumber } from '../store/number-store.js';
import { findPrice, listPrices, upsertPrice } from '../store/price-store.js';
import { findPricingRule } from '../store/pricing-rule-store.js';
import { priceByRule } from '../domain/pricing-rule.js';
import { pricingRuleOf } from './pricing-rules.js';
import type { Executor } from '../store/database.js';
import type { NumberPriceRow, PhoneNumberRow } from '../store/tables.js';
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

/**
 * A number's own price, or (price null) back to its type's price (its pricing rule's, for a number
 * with an upstream cost). A sold number's change of price is recorded in its owner's history as
 * `source`'s.
 */
export async function setOwnNumberPrice(deps: ServiceDeps, didNumber: string, price: Price | null, source: ChangeSource): Promise<StockedNumber> {
  const e164 = requireNumberFormat(didNumber);
  const row = await deps.database.writeTransaction(async (trx) => {
    const number = await findNumber(trx, e164);
    if (!number) return undefined;
    const repriced = await repriceNumber(trx, number, price, isoNow(deps));
    if (repriced) await recordPriceChange(trx, number, repriced, source);
    return repriced;
  });
  if (!row) throw new AppError('number_not_found', `${e164} is not in the inventory`);
  return row;
}

async function recordPriceChange(ex: Executor, before: PhoneNumberRow, after: PhoneNumberRow, source: ChangeSource): Promise<void> {
  if (before.status !== 'active' || before.account_id === null) return;
  const changes: FieldChanges = {};
  for (const field of ['setup_cost_cents', 'monthly_cost_cents'] as const) {
    if (Number(before[field]) !== Number(after[field])) changes[field] = { before: Number(before[field]), after: Number(after[field]) };
  }
  if (Object.keys(changes).length === 0) return;
  await recordNumberEvents(ex, [
    { kind: 'price_changed', didNumber: before.did_number, accountId: before.account_id, source, at: after.updated_at, details: { changes } },
  ]);
}

/** The number's own price, or its type's (or pricing rule's) again; undefined for a number not in the inventory. */
async function repriceNumber(trx: Executor, number: PhoneNumberRow, price: Price | null, at: string): Promise<PhoneNumberRow | undefined> {
  const e164 = number.did_number;
  if (price) return setNumberPrice(trx, e164, { ...price, custom: true }, at);
  const rule = number.upstream_setup_cost_cents === null ? undefined : await findPricingRule(trx, number.number_type);
  if (rule) {
    const cost = { setupCents: Number(number.upstream_setup_cost_cents), monthlyCents: Number(number.upstream_monthly_cost_cents) };
    return setNumberPrice(trx, e164, { ...priceByRule(pricingRuleOf(rule), cost), custom: false }, at);
  }
  const typePrice = await findPrice(trx, number.number_type);
  if (!typePrice) {
    throw new AppError('invalid_request', `${number.number_type} numbers have no type price to follow; set one first`);
  }
  const followed = { setupCents: Number(typePrice.setup_cost_cents), monthlyCents: Number(typePrice.monthly_cost_cents) };
  return setNumberPrice(trx, e164, { ...followed, custom: false }, at);
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
