import { sql, type RawBuilder } from 'kysely';
import { NUMBER_TYPES, type Country, type NumberType } from '../domain/phone-number.js';
import { planCapFor, type PricePlan } from '../domain/price-plan.js';
import { dialectOf, type Executor } from './database.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import { heldByOthers, type StockViewer } from './reservation-store.js';
import { LISTED_NUMBER_COLUMNS, PRICED_LISTING_COLUMNS, type ListedNumberRow, type PricedListingRow } from './tables.js';

export interface AvailableSearch {
  country: Country;
  state?: string;
  city?: string;
  numberType?: NumberType;
  /** Range over E.164 digits that a starts_with prefix maps to: [from, to). */
  from?: string;
  to?: string;
  contains?: string;
  endsWith?: string;
  maxMonthlyCents?: number;
  /**
   * The caller's plan, when it changes prices: the price cap then applies to the plan's prices,
   * and the rows carry what pricing them needs (priced by the caller, page by page).
   */
  plan?: PricePlan;
  /** Who searches: the numbers others hold for themselves are left out. */
  viewer?: StockViewer;
}

export type { PricedListingRow };

/** The condition of every stock index (partial indexes): written as a literal so they apply. */
export const AVAILABLE = sql<boolean>`status = 'available'`;

/**
 * Below this many matches of a filter that a walk in number order can only test row by row (a
 * price cap, an ending), a search reads the matches through that filter's own index and sorts
 * them, instead of walking the stock looking for them. Reading them costs a row lookup each, so
 * for endings (whose walk is cheap unless they are rare) the bar is lower. Measured on 10,000,000
 * numbers: reading 2,000 endings took 1.1 ms to count and 2.8 ms to fetch, more than the walk
 * over a range where one number in a hundred matches.
 */
const SPARSE_PRICES = 2_000;
const SPARSE_ENDINGS = 300;
const LISTED = sql.join(LISTED_NUMBER_COLUMNS.map((column) => sql.ref(column)));
const PRICED_LISTING = sql.join(PRICED_LISTING_COLUMNS.map((column) => sql.ref(column)));
/** The stock_by_tail index holds this many last digits. */
const TAIL_DIGITS = 4;

/**
 * Available numbers in did_number order, keyset-paginated so pages stay stable while numbers sell.
 *
 * Each search walks one index in number order and stops after a page, so its cost is the rows it
 * reads before the page is full. On SQLite the index is chosen here (INDEXED BY), never by the
 * planner: with millions of rows a planner's wrong guess turns 1 ms into seconds (measured: 17.5 s
 * for state+type after an index was added for another shape). The filters that can make a walk
 * read the whole stock, an ending or a price cap few numbers meet, are counted first through
 * their own index and, when sparse, read through it instead.
 */
export async function searchAvailable(ex: Executor, search: AvailableSearch & { plan?: undefined }, page: PageRequest): Promise<Page<ListedNumberRow>>;
export async function searchAvailable(ex: Executor, search: AvailableSearch, page: PageRequest): Promise<Page<PricedListingRow>>;
export async function searchAvailable(ex: Executor, search: AvailableSearch, page: PageRequest): Promise<Page<ListedNumberRow>> {
  // A plan that leaves the searched type out caps it as the default does, through the price index too.
  const planCaps = search.plan !== undefined && (search.numberType ? search.plan.prices[search.numberType] !== undefined : Object.keys(search.plan.prices).length > 0);
  const where = conditions(ex, search, page, planCaps);
  let index = walkIndex(search);
  const endsIn = search.endsWith && search.endsWith.length >= 2 ? sql`${tailOf(ex)} IN (${sql.join(tailsEndingWith(search.endsWith))})` : undefined;
  // The price index leads with the type: every type is named so that it is read as ranges.
  const ofTypes = sql`number_type IN (${sql.join(search.numberType ? [search.numberType] : [...NUMBER_TYPES])})`;
  // Each count uses only its index's own columns, so it reads no more index entries than its bar.
  if (endsIn && (await isSparse(ex, 'stock_by_tail', SPARSE_ENDINGS, [AVAILABLE, endsIn, ...numberRange(search, page)]))) {
    where.push(endsIn);
    index = 'stock_by_tail';
  } else if (
    search.maxMonthlyCents !== undefined &&
    // A plan's cap is not a range of the price index: such a search walks, as with any other filter.
    !planCaps &&
    (await isSparse(ex, 'stock_by_type_price', SPARSE_PRICES, [AVAILABLE, ofTypes, sql`monthly_cost_cents <= ${search.maxMonthlyCents}`]))
  ) {
    where.push(ofTypes);
    index = 'stock_by_type_price';
  }
  const limit = fetchLimit(page);
  const result = await sql<ListedNumberRow>`SELECT ${search.plan ? PRICED_LISTING : LISTED} FROM phone_number${indexedBy(ex, index)} WHERE ${sql.join(where, sql` AND `)} ORDER BY did_number${limit === undefined ? sql`` : sql` LIMIT ${limit}`}`.execute(ex);
  return toPage(result.rows, page, (row) => row.did_number);
}

/** The index whose order is the answer's order and whose leading column narrows the walk most. */
function walkIndex(search: AvailableSearch): string {
  if (search.from !== undefined || search.to !== undefined) return 'sqlite_autoindex_phone_number_1';
  if (search.city) return 'stock_by_city';
  if (search.state) return 'stock_by_state';
  if (search.numberType) return 'stock_by_type';
  return 'stock_by_country';
}

function conditions(ex: Executor, search: AvailableSearch, page: PageRequest, planCaps: boolean): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [AVAILABLE, sql`country = ${search.country}`];
  if (search.state) where.push(sql`state = ${search.state}`);
  if (search.city) where.push(sql`lower(city) = ${search.city.toLowerCase()}`);
  if (search.numberType) where.push(sql`number_type = ${search.numberType}`);
  where.push(...numberRange(search, page));
  if (search.contains) where.push(containing(ex, search.contains));
  if (search.endsWith) where.push(endingWith(ex, search.endsWith));
  if (search.maxMonthlyCents !== undefined) {
    where.push(planCaps ? planCapped(search.plan!, search.numberType, search.maxMonthlyCents) : sql`monthly_cost_cents <= ${search.maxMonthlyCents}`);
  }
  // Last: probed only for the rows every other condition kept.
  if (search.viewer) where.push(sql`NOT ${heldByOthers(search.viewer)}`);
  return where;
}

/** The monthly price cap on the plan's prices (domain/price-plan.ts planCapFor), one branch per number type. */
function planCapped(plan: PricePlan, numberType: NumberType | undefined, capCents: number): RawBuilder<unknown> {
  const capped = sql`monthly_cost_cents <= ${capCents}`;
  const branches = (numberType ? [numberType] : NUMBER_TYPES).map((type) => {
    const cap = planCapFor(plan, type, capCents);
    const ofType = sql`number_type = ${type}`;
    if (cap.kind === 'default') return sql`(${ofType} AND ${capped})`;
    if (cap.kind === 'fixed') return cap.planMatches ? sql`(${ofType} AND (custom_price = 0 OR ${capped}))` : sql`(${ofType} AND custom_price = 1 AND ${capped})`;
    const followsPlan = sql`custom_price = 0 AND upstream_setup_cost_cents IS NOT NULL AND upstream_monthly_cost_cents IS NOT NULL`;
    if (cap.maxUpstreamMonthlyCents === null) return sql`(${ofType} AND NOT (${followsPlan}) AND ${capped})`;
    return sql`(${ofType} AND CASE WHEN ${followsPlan} THEN upstream_monthly_cost_cents <= ${cap.maxUpstreamMonthlyCents} ELSE ${capped} END)`;
  });
  return sql`(${sql.join(branches, sql` OR `)})`;
}

/** The prefix (a range, never LIKE: LIKE cannot use SQLite's index on did_number) and the page's start. */
function numberRange(search: AvailableSearch, page: PageRequest): RawBuilder<unknown>[] {
  const range: RawBuilder<unknown>[] = [];
  if (search.from) range.push(sql`did_number >= ${search.from}`);
  if (search.to) range.push(sql`did_number < ${search.to}`);
  if (page.after) range.push(sql`did_number > ${page.after}`);
  return range;
}

/** Whether fewer than `bar` rows meet every condition, counted through `index`. */
async function isSparse(ex: Executor, index: string, bar: number, where: RawBuilder<unknown>[]): Promise<boolean> {
  const { rows } = await sql<{ matches: number }>`SELECT count(*) AS matches FROM (SELECT 1 FROM phone_number${indexedBy(ex, index)} WHERE ${sql.join(where, sql` AND `)} LIMIT ${bar}) AS matching`.execute(ex);
  return Number(rows[0]?.matches ?? 0) < bar;
}

/**
 * Numbers containing `digits`. SQLite's LIKE compares case-insensitively, character by character:
 * instr() tested the walk of a state's stock a third faster (124 against 146–192 ms for 2.5M entries).
 */
function containing(ex: Executor, digits: string): RawBuilder<unknown> {
  return isSqlite(ex) ? sql`instr(did_number, ${digits}) > 0` : sql`did_number LIKE ${`%${digits}%`}`;
}

/**
 * Numbers ending with `digits`. On SQLite not LIKE: a LIKE whose pattern is a bound value makes the
 * statement prepare again on every execution (measured on one such statement: 19 µs with LIKE, 6 µs with substr).
 */
function endingWith(ex: Executor, digits: string): RawBuilder<unknown> {
  return isSqlite(ex) ? sql`substr(did_number, ${-digits.length}) = ${digits}` : sql`did_number LIKE ${`%${digits}`}`;
}

/** Every value of a number's last TAIL_DIGITS digits that ends with `digits`. */
function tailsEndingWith(digits: string): string[] {
  if (digits.length >= TAIL_DIGITS) return [digits.slice(-TAIL_DIGITS)];
  const free = TAIL_DIGITS - digits.length;
  return Array.from({ length: 10 ** free }, (_, i) => String(i).padStart(free, '0') + digits);
}

/** The indexed expression of stock_by_tail, as each dialect writes it (migration 0006). */
function tailOf(ex: Executor): RawBuilder<unknown> {
  return isSqlite(ex) ? sql`substr(did_number, -4)` : sql`right(did_number, 4)`;
}

function isSqlite(ex: Executor): boolean {
  return dialectOf(ex) === 'sqlite';
}

/** SQLite only: PostgreSQL has no index hints (and plans from statistics of the values given). */
function indexedBy(ex: Executor, index: string): RawBuilder<unknown> {
  return isSqlite(ex) ? sql.raw(` INDEXED BY ${index}`) : sql``;
}
