import { sql } from 'kysely';
import type { CarrierName } from '../domain/carrier-name.js';
import type { Country, NumberType } from '../domain/phone-number.js';
import type { Executor } from './database.js';
import { UNSOLD_STATUSES } from './inventory-store.js';
import type { PhoneNumberRow } from './tables.js';

/**
 * An upstream carrier's numbers as the catalogue sync and the pricing rules keep them. Every write
 * is conditional on the number still being unsold and the carrier's: a number bought (reserved,
 * active) while a sync runs is never changed by it, and a reseller's own ranges never are.
 */

/** The partial index phone_number_upstream holds only these: each query names its predicate so both planners use it. */
const NOT_OWN_CARRIER = sql<boolean>`carrier <> 'simulated'`;
const IN_LIST = 500;

/** What the sync compares an upstream offer with. */
export type StockedOffer = Pick<
  PhoneNumberRow,
  | 'did_number'
  | 'carrier'
  | 'status'
  | 'custom_price'
  | 'setup_cost_cents'
  | 'monthly_cost_cents'
  | 'upstream_setup_cost_cents'
  | 'upstream_monthly_cost_cents'
  | 'gone_upstream'
  | 'state'
  | 'city'
>;

/** The numbers of the inventory among `didNumbers`, whatever their carrier and status. */
export async function findStockedOffers(ex: Executor, didNumbers: string[]): Promise<Map<string, StockedOffer>> {
  const found = new Map<string, StockedOffer>();
  for (let i = 0; i < didNumbers.length; i += IN_LIST) {
    const rows = await ex
      .selectFrom('phone_number')
      .select([
        'did_number',
        'carrier',
        'status',
        'custom_price',
        'setup_cost_cents',
        'monthly_cost_cents',
        'upstream_setup_cost_cents',
        'upstream_monthly_cost_cents',
        'gone_upstream',
        'state',
        'city',
      ])
      .where('did_number', 'in', didNumbers.slice(i, i + IN_LIST))
      .execute();
    for (const row of rows) found.set(row.did_number, row);
  }
  return found;
}

/** One change the sync makes to a group of numbers: the upstream cost and place, and the price unless the number has its own. */
export interface UpstreamChange {
  upstreamSetupCents: number;
  upstreamMonthlyCents: number;
  /** Undefined: the price stays (the number has its own). */
  price?: { setupCents: number; monthlyCents: number };
  /** Back on sale: only numbers withdrawn because the upstream did not offer them. */
  reinstate: boolean;
  /** Where the upstream now places the number. */
  place: { state: string | null; city: string | null };
}

/** Applies one change to the carrier's unsold numbers among `didNumbers`; returns those it changed. */
export async function changeUpstreamNumbers(
  ex: Executor,
  carrier: CarrierName,
  didNumbers: string[],
  change: UpstreamChange,
  at: string,
): Promise<string[]> {
  const changed: string[] = [];
  for (let i = 0; i < didNumbers.length; i += IN_LIST) {
    let query = ex
      .updateTable('phone_number')
      .set({
        upstream_setup_cost_cents: change.upstreamSetupCents,
        upstream_monthly_cost_cents: change.upstreamMonthlyCents,
        ...(change.price ? { setup_cost_cents: change.price.setupCents, monthly_cost_cents: change.price.monthlyCents } : {}),
        ...(change.reinstate ? { status: 'available' as const, gone_upstream: 0 } : {}),
        state: change.place.state,
        city: change.place.city,
        updated_at: at,
      })
      .where('did_number', 'in', didNumbers.slice(i, i + IN_LIST))
      .where('carrier', '=', carrier);
    query = change.reinstate
      ? query.where('status', '=', 'withdrawn').where('gone_upstream', '=', 1)
      : query.where('status', 'in', UNSOLD_STATUSES);
    if (change.price) query = query.where('custom_price', '=', 0);
    const rows = await query.returning('did_number').execute();
    for (const row of rows) changed.push(row.did_number);
  }
  return changed;
}

export interface StockSlice {
  carrier: CarrierName;
  country: Country;
  numberType: NumberType;
  /** Only numbers of this state; undefined for every state. */
  state?: string;
}

/** The carrier's numbers on sale or in quarantine in the slice: what a sync withdraws unless the upstream still offers it. */
export async function listOfferedUpstreamNumbers(ex: Executor, slice: StockSlice): Promise<string[]> {
  let query = ex
    .selectFrom('phone_number')
    .select('did_number')
    .where('carrier', '=', slice.carrier)
    .where(NOT_OWN_CARRIER)
    .where('number_type', '=', slice.numberType)
    .where('country', '=', slice.country)
    .where('status', 'in', ['available', 'quarantine']);
  if (slice.state !== undefined) query = query.where('state', '=', slice.state);
  return (await query.execute()).map((row) => row.did_number);
}

/** Takes the carrier's numbers off sale as gone upstream, unless bought since they were read. Returns those withdrawn. */
export async function withdrawGoneNumbers(ex: Executor, carrier: CarrierName, didNumbers: string[], at: string): Promise<string[]> {
  const withdrawn: string[] = [];
  for (let i = 0; i < didNumbers.length; i += IN_LIST) {
    const rows = await ex
      .updateTable('phone_number')
      .set({ status: 'withdrawn', gone_upstream: 1, quarantine_until: null, updated_at: at })
      .where('did_number', 'in', didNumbers.slice(i, i + IN_LIST))
      .where('carrier', '=', carrier)
      .where('status', 'in', ['available', 'quarantine'])
      .returning('did_number')
      .execute();
    for (const row of rows) withdrawn.push(row.did_number);
  }
  return withdrawn;
}

export type RulePricedNumber = Pick<
  PhoneNumberRow,
  'did_number' | 'setup_cost_cents' | 'monthly_cost_cents' | 'upstream_setup_cost_cents' | 'upstream_monthly_cost_cents'
>;

/** The carrier's unsold numbers of a type that follow the pricing rule (an upstream cost, no price of their own), by number. */
export async function listRulePricedNumbers(
  ex: Executor,
  carrier: CarrierName,
  numberType: NumberType,
  after: string,
  limit: number,
): Promise<RulePricedNumber[]> {
  return ex
    .selectFrom('phone_number')
    .select(['did_number', 'setup_cost_cents', 'monthly_cost_cents', 'upstream_setup_cost_cents', 'upstream_monthly_cost_cents'])
    .where('carrier', '=', carrier)
    .where(NOT_OWN_CARRIER)
    .where('number_type', '=', numberType)
    .where('did_number', '>', after)
    .where('custom_price', '=', 0)
    .where('upstream_setup_cost_cents', 'is not', null)
    .where('status', 'in', UNSOLD_STATUSES)
    .orderBy('did_number')
    .limit(limit)
    .execute();
}

/** Sets the price of rule-priced numbers, each still unsold and without its own price. Returns how many changed. */
export async function setRulePrices(
  ex: Executor,
  carrier: CarrierName,
  prices: Array<{ didNumber: string; setupCents: number; monthlyCents: number }>,
  at: string,
): Promise<number> {
  let changed = 0;
  // Prices of one type mostly repeat: one statement per distinct price.
  const byPrice = new Map<string, string[]>();
  for (const price of prices) {
    const key = `${price.setupCents}/${price.monthlyCents}`;
    const group = byPrice.get(key);
    if (group) group.push(price.didNumber);
    else byPrice.set(key, [price.didNumber]);
  }
  for (const [key, didNumbers] of byPrice) {
    const [setupCents, monthlyCents] = key.split('/').map(Number) as [number, number];
    for (let i = 0; i < didNumbers.length; i += IN_LIST) {
      const result = await ex
        .updateTable('phone_number')
        .set({ setup_cost_cents: setupCents, monthly_cost_cents: monthlyCents, updated_at: at })
        .where('did_number', 'in', didNumbers.slice(i, i + IN_LIST))
        .where('carrier', '=', carrier)
        .where('custom_price', '=', 0)
        .where('status', 'in', UNSOLD_STATUSES)
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
  }
  return changed;
}
