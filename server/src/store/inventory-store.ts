import { sql } from 'kysely';
import type { NumberStatus } from '../domain/order.js';
import type { NumberType } from '../domain/phone-number.js';
import type { Executor } from './database.js';
import type { PhoneNumberRow } from './tables.js';

/** Statuses in which a number is stock, not an account's: its price may change and it may be withdrawn. */
export const UNSOLD_STATUSES = ['available', 'quarantine', 'withdrawn'] as const satisfies readonly NumberStatus[];

/** Gives every unsold number that follows its type's price that price; returns how many changed. */
export async function repriceNumbersOfType(
  ex: Executor,
  numberType: NumberType,
  price: { setupCents: number; monthlyCents: number },
  at: string,
): Promise<number> {
  const result = await ex
    .updateTable('phone_number')
    .set({ setup_cost_cents: price.setupCents, monthly_cost_cents: price.monthlyCents, updated_at: at })
    .where('number_type', '=', numberType)
    .where('custom_price', '=', 0)
    // Numbers with an upstream cost follow their type's pricing rule instead.
    .where('upstream_setup_cost_cents', 'is', null)
    .where('status', 'in', UNSOLD_STATUSES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function setNumberPrice(
  ex: Executor,
  didNumber: string,
  price: { setupCents: number; monthlyCents: number; custom: boolean },
  at: string,
): Promise<PhoneNumberRow | undefined> {
  return ex
    .updateTable('phone_number')
    .set({
      setup_cost_cents: price.setupCents,
      monthly_cost_cents: price.monthlyCents,
      custom_price: price.custom ? 1 : 0,
      updated_at: at,
    })
    .where('did_number', '=', didNumber)
    .returningAll()
    .executeTakeFirst();
}

/** Moves numbers between stock statuses (withdraw, reinstate); returns the numbers that moved. */
export async function moveStock(
  ex: Executor,
  didNumbers: string[],
  from: readonly NumberStatus[],
  to: 'available' | 'withdrawn',
  at: string,
): Promise<string[]> {
  if (didNumbers.length === 0) return [];
  const rows = await ex
    .updateTable('phone_number')
    // The operator's own decision: the catalogue sync no longer reinstates the number.
    .set({ status: to, quarantine_until: null, gone_upstream: 0, updated_at: at })
    .where('did_number', 'in', didNumbers)
    .where('status', 'in', from)
    .returning('did_number')
    .execute();
  return rows.map((row) => row.did_number);
}

export async function findStatuses(ex: Executor, didNumbers: string[]): Promise<Map<string, NumberStatus>> {
  if (didNumbers.length === 0) return new Map();
  const rows = await ex.selectFrom('phone_number').select(['did_number', 'status']).where('did_number', 'in', didNumbers).execute();
  return new Map(rows.map((row) => [row.did_number, row.status]));
}

export async function countByStatusAndType(ex: Executor): Promise<Array<{ status: NumberStatus; number_type: NumberType; count: number }>> {
  const rows = await ex
    .selectFrom('phone_number')
    .select(['status', 'number_type', sql<number>`count(*)`.as('count')])
    .groupBy(['status', 'number_type'])
    .execute();
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}
