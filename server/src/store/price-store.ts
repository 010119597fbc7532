import type { NumberType } from '../domain/phone-number.js';
import type { Executor } from './database.js';
import type { NumberPriceRow } from './tables.js';

export async function listPrices(ex: Executor): Promise<NumberPriceRow[]> {
  return ex.selectFrom('number_price').selectAll().orderBy('number_type').execute();
}

export async function findPrice(ex: Executor, numberType: NumberType): Promise<NumberPriceRow | undefined> {
  return ex.selectFrom('number_price').selectAll().where('number_type', '=', numberType).executeTakeFirst();
}

export async function upsertPrice(ex: Executor, price: NumberPriceRow): Promise<void> {
  await ex
    .insertInto('number_price')
    .values(price)
    .onConflict((oc) =>
      oc.column('number_type').doUpdateSet({
        setup_cost_cents: price.setup_cost_cents,
        monthly_cost_cents: price.monthly_cost_cents,
        updated_at: price.updated_at,
      }),
    )
    .execute();
}
