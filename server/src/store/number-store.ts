import { CompiledQuery, sql } from 'kysely';
import type { Country, NumberType } from '../domain/phone-number.js';
import { dialectOf, type Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { heldByOthers, type StockViewer } from './reservation-store.js';
import { AVAILABLE } from './stock-search.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import { PRICED_LISTING_COLUMNS, type PricedListingRow, type NewPhoneNumber, type PhoneNumberRow, type PhoneNumberUpdate } from './tables.js';


/** The configuration a number carries while an account owns it; cleared when it is released. */
export const CLEARED_CONFIGURATION = {
  account_id: null,
  order_id: null,
  description: null,
  primary_route: null,
  primary_destination: null,
  primary_timeout: null,
  backup_route: null,
  backup_destination: null,
  backup_timeout: null,
  max_channels: null,
  block_premium: 0,
  block_prefs: null,
  sms_routes: null,
  address_id: null,
  person_id: null,
  purchased_at: null,
  suspended: 0,
} as const satisfies PhoneNumberUpdate;

const INSERT_BATCH = 500;
/** SQL of a full batch insert per dialect and column list: building 500 rows with Kysely costs more than inserting them. */
const batchInsertSql = new Map<string, string>();

/** Adds numbers to the inventory; numbers already present are left as they are. Returns how many were added. */
export async function insertNumbers(ex: Executor, rows: NewPhoneNumber[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < rows.length; i += INSERT_BATCH) added += await insertBatch(ex, rows.slice(i, i + INSERT_BATCH));
  return added;
}

async function insertBatch(ex: Executor, rows: NewPhoneNumber[]): Promise<number> {
  const columns = sameColumns(rows);
  if (rows.length === INSERT_BATCH && columns) {
    const key = `${dialectOf(ex)}|${columns.join(',')}`;
    let text = batchInsertSql.get(key);
    if (text === undefined) {
      const marker = Object.fromEntries(columns.map((column) => [column, null])) as unknown as NewPhoneNumber;
      text = insertIgnoringDuplicates(ex, rows.map(() => marker)).compile().sql;
      batchInsertSql.set(key, text);
    }
    const parameters: unknown[] = [];
    for (const row of rows) for (const column of columns) parameters.push(row[column]);
    const result = await ex.executeQuery(CompiledQuery.raw(text, parameters));
    return Number(result.numAffectedRows ?? 0n);
  }
  const result = await insertIgnoringDuplicates(ex, rows).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

function insertIgnoringDuplicates(ex: Executor, rows: NewPhoneNumber[]) {
  return ex
    .insertInto('phone_number')
    .values(rows)
    .onConflict((oc) => oc.column('did_number').doNothing());
}

/** The columns every row sets, when every row sets the same ones (else the batch is built by Kysely). */
function sameColumns(rows: NewPhoneNumber[]): Array<keyof NewPhoneNumber> | undefined {
  const defined = (row: NewPhoneNumber) => (Object.keys(row) as Array<keyof NewPhoneNumber>).filter((column) => row[column] !== undefined);
  const columns = defined(rows[0]!);
  const signature = columns.join(',');
  return rows.every((row) => defined(row).join(',') === signature) ? columns : undefined;
}

export async function countNumbers(ex: Executor): Promise<number> {
  const row = await ex
    .selectFrom('phone_number')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

const numberByDid = preparedQuery((ex, didNumber: string) => ex.selectFrom('phone_number').selectAll().where('did_number', '=', didNumber));

export async function findNumber(ex: Executor, didNumber: string): Promise<PhoneNumberRow | undefined> {
  return (await numberByDid(ex, didNumber)).rows[0];
}

/** The number if it is for sale to `viewer` (nobody else holds it) or, without one, to anybody. */
export async function findAvailableNumber(ex: Executor, didNumber: string, viewer?: StockViewer): Promise<PhoneNumberRow | undefined> {
  let query = ex.selectFrom('phone_number').selectAll().where('did_number', '=', didNumber).where(AVAILABLE);
  if (viewer) query = query.where(sql<boolean>`NOT ${heldByOthers(viewer)}`);
  return query.executeTakeFirst();
}

/** Up to `limit` available numbers like the one asked for: same area code and type first, then same type (with what a plan prices them by). */
export async function findAlternatives(
  ex: Executor,
  like: { country: Country; numberType: NumberType; areaCode: string | null; excluding: string },
  limit: number,
  viewer?: StockViewer,
): Promise<PricedListingRow[]> {
  const found: PricedListingRow[] = [];
  const seen = new Set<string>([like.excluding]);
  const tiers = [
    { numberType: like.numberType, areaCode: like.areaCode },
    { numberType: like.numberType, areaCode: undefined },
    { numberType: undefined, areaCode: undefined },
  ];
  for (const tier of tiers) {
    if (found.length >= limit) break;
    if (tier.areaCode === null) continue;
    let query = ex
      .selectFrom('phone_number')
      .select(PRICED_LISTING_COLUMNS)
      .where(AVAILABLE)
      .where('country', '=', like.country)
      .where('did_number', 'not in', [...seen])
      .orderBy('did_number')
      .limit(limit - found.length);
    if (tier.numberType) query = query.where('number_type', '=', tier.numberType);
    if (tier.areaCode) query = query.where('area_code', '=', tier.areaCode);
    if (viewer) query = query.where(sql<boolean>`NOT ${heldByOthers(viewer)}`);
    for (const row of await query.execute()) {
      seen.add(row.did_number);
      found.push(row);
    }
  }
  return found;
}

export async function listAvailableCities(ex: Executor, country: Country, state?: string): Promise<string[]> {
  let query = ex
    .selectFrom('phone_number')
    .select('city')
    .distinct()
    .where(AVAILABLE)
    .where('country', '=', country)
    .where('city', 'is not', null)
    .orderBy('city');
  if (state) query = query.where('state', '=', state);
  const rows = await query.execute();
  return rows.map((row) => row.city!);
}

/** available → reserved for an order, only if nobody else got there first or holds it (a reservation running at `at`). */
const reserveIfAvailable = preparedQuery((ex, didNumber: string, accountId: string, orderId: string, at: string) =>
  ex
    .updateTable('phone_number')
    .set({ status: 'reserved', account_id: accountId, order_id: orderId, updated_at: at, held_by: null, held_until: null })
    .where('did_number', '=', didNumber)
    .where('status', '=', 'available')
    .where(sql<boolean>`NOT ${heldByOthers({ accountId, now: at })}`),
);

export async function reserveNumber(ex: Executor, didNumber: string, accountId: string, orderId: string, at: string): Promise<boolean> {
  return (await reserveIfAvailable(ex, didNumber, accountId, orderId, at)).numAffectedRows === 1n;
}

/** reserved → active with the configuration the purchase asked for. */
const activateReserved = preparedQuery((ex, didNumber: string, orderId: string, config: PhoneNumberUpdate) =>
  ex
    .updateTable('phone_number')
    .set({ ...config, status: 'active' })
    .where('did_number', '=', didNumber)
    .where('status', '=', 'reserved')
    .where('order_id', '=', orderId),
);

export async function activateNumber(ex: Executor, didNumber: string, orderId: string, config: PhoneNumberUpdate): Promise<void> {
  const result = await activateReserved(ex, didNumber, orderId, config);
  if (result.numAffectedRows !== 1n) throw new Error(`Number ${didNumber} is not reserved for order ${orderId}`);
}

/** Puts a number the order reserved back in stock, or withdraws it (the carrier no longer has it). */
export async function unreserveNumber(
  ex: Executor,
  didNumber: string,
  orderId: string,
  at: string,
  status: 'available' | 'withdrawn' = 'available',
): Promise<void> {
  await ex
    .updateTable('phone_number')
    .set({ ...CLEARED_CONFIGURATION, status, gone_upstream: status === 'withdrawn' ? 1 : 0, updated_at: at })
    .where('did_number', '=', didNumber)
    .where('status', '=', 'reserved')
    .where('order_id', '=', orderId)
    .execute();
}

export interface OwnedFilter {
  didNumber?: string;
  state?: string;
  city?: string;
  numberType?: NumberType;
}

export async function listOwnedNumbers(
  ex: Executor,
  accountId: string,
  filter: OwnedFilter,
  page: PageRequest,
): Promise<Page<PhoneNumberRow>> {
  let query = ex
    .selectFrom('phone_number')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .orderBy('did_number');
  if (filter.didNumber) query = query.where('did_number', '=', filter.didNumber);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.city) query = query.where(sql`lower(city)`, '=', filter.city.toLowerCase());
  if (filter.numberType) query = query.where('number_type', '=', filter.numberType);
  if (page.after) query = query.where('did_number', '>', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.did_number);
}

export async function findOwnedNumber(ex: Executor, accountId: string, didNumber: string): Promise<PhoneNumberRow | undefined> {
  return ex
    .selectFrom('phone_number')
    .selectAll()
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export async function updateOwnedNumber(
  ex: Executor,
  accountId: string,
  didNumber: string,
  changes: PhoneNumberUpdate,
): Promise<PhoneNumberRow | undefined> {
  return ex
    .updateTable('phone_number')
    .set(changes)
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .returningAll()
    .executeTakeFirst();
}

/** active → quarantine (or straight back to available when there is no quarantine). */
export async function releaseOwnedNumber(
  ex: Executor,
  accountId: string,
  didNumber: string,
  quarantineUntil: string | null,
  at: string,
): Promise<boolean> {
  const result = await ex
    .updateTable('phone_number')
    .set({
      ...CLEARED_CONFIGURATION,
      status: quarantineUntil ? 'quarantine' : 'available',
      quarantine_until: quarantineUntil,
      updated_at: at,
    })
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Puts numbers whose quarantine has ended back in stock; returns how many. */
export async function endQuarantines(ex: Executor, at: string): Promise<number> {
  const result = await ex
    .updateTable('phone_number')
    .set({ status: 'available', quarantine_until: null, updated_at: at })
    .where('status', '=', 'quarantine')
    .where('quarantine_until', '<=', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Which carrier provisions the number, if it is in the inventory. */
export async function findNumberCarrier(ex: Executor, didNumber: string): Promise<string | undefined> {
  const row = await ex.selectFrom('phone_number').select('carrier').where('did_number', '=', didNumber).executeTakeFirst();
  return row?.carrier;
}
