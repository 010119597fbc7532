import { SqliteAdapter, sql, type RawBuilder } from 'kysely';
import { NUMBER_TYPES } from '../domain/phone-number.js';
import type { Executor } from './database.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { PhoneNumberRow } from './tables.js';

export interface AvailableSearch {
  country: string;
  state?: string;
  city?: string;
  numberType?: string;
  /** Range over E.164 digits that a starts_with prefix maps to: [from, to). */
  from?: string;
  to?: string;
  contains?: string;
  endsWith?: string;
  maxMonthlyCents?: number;
}

/** The condition of every stock index (partial indexes): written as a literal so they apply. */
export const AVAILABLE = sql<boolean>`status = 'available'`;

/**
 * Below this many numbers under a price cap, a search reads them through the price index and
 * sorts them, instead of walking the stock in number order looking for them.
 */
const SPARSE_PRICE_MATCHES = 2_000;

/**
 * Available numbers in did_number order, keyset-paginated so pages stay stable while numbers sell.
 *
 * Each search walks one index in number order and stops after a page, so its cost is the rows it
 * reads before the page is full. On SQLite the index is chosen here (INDEXED BY), never by the
 * planner: with millions of rows a planner's wrong guess turns 1 ms into seconds (measured: 17.5 s
 * for state+type after an index was added for another shape). The one filter that can make a walk
 * read the whole stock, a price cap few numbers meet, is checked first and read by price instead.
 */
export async function searchAvailable(ex: Executor, search: AvailableSearch, page: PageRequest): Promise<Page<PhoneNumberRow>> {
  const sparsePrice = search.maxMonthlyCents !== undefined && (await fewUnderPrice(ex, search.numberType, search.maxMonthlyCents));
  const index = sparsePrice ? 'stock_by_type_price' : walkIndex(search);
  const limit = fetchLimit(page);
  const result = await sql<PhoneNumberRow>`SELECT * FROM phone_number${indexedBy(ex, index)} WHERE ${sql.join(conditions(search, page, sparsePrice), sql` AND `)} ORDER BY did_number${limit === undefined ? sql`` : sql` LIMIT ${limit}`}`.execute(ex);
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

function conditions(search: AvailableSearch, page: PageRequest, sparsePrice: boolean): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [AVAILABLE, sql`country = ${search.country}`];
  if (search.state) where.push(sql`state = ${search.state}`);
  if (search.city) where.push(sql`lower(city) = ${search.city.toLowerCase()}`);
  if (search.numberType) where.push(sql`number_type = ${search.numberType}`);
  // The price index leads with the type: name every type so that it is read as ranges.
  else if (sparsePrice) where.push(sql`number_type IN (${sql.join([...NUMBER_TYPES])})`);
  // A prefix is a range, never LIKE: LIKE cannot use SQLite's index on did_number.
  if (search.from) where.push(sql`did_number >= ${search.from}`);
  if (search.to) where.push(sql`did_number < ${search.to}`);
  if (search.contains) where.push(sql`did_number LIKE ${`%${search.contains}%`}`);
  if (search.endsWith) where.push(sql`did_number LIKE ${`%${search.endsWith}`}`);
  if (search.maxMonthlyCents !== undefined) where.push(sql`monthly_cost_cents <= ${search.maxMonthlyCents}`);
  if (page.after) where.push(sql`did_number > ${page.after}`);
  return where;
}

/** Whether fewer than SPARSE_PRICE_MATCHES available numbers (of the type) cost at most the cap. */
async function fewUnderPrice(ex: Executor, numberType: string | undefined, maxMonthlyCents: number): Promise<boolean> {
  const types = numberType ? [numberType] : [...NUMBER_TYPES];
  const { rows } = await sql<{ matches: number }>`SELECT count(*) AS matches FROM (SELECT 1 FROM phone_number${indexedBy(ex, 'stock_by_type_price')} WHERE ${AVAILABLE} AND number_type IN (${sql.join(types)}) AND monthly_cost_cents <= ${maxMonthlyCents} LIMIT ${SPARSE_PRICE_MATCHES}) AS under_cap`.execute(ex);
  return Number(rows[0]?.matches ?? 0) < SPARSE_PRICE_MATCHES;
}

/** SQLite only: PostgreSQL has no index hints (and plans from statistics of the values given). */
function indexedBy(ex: Executor, index: string): RawBuilder<unknown> {
  return ex.getExecutor().adapter instanceof SqliteAdapter ? sql.raw(` INDEXED BY ${index}`) : sql``;
}
