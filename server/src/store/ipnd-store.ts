import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { lockRows, type RowLock } from './row-locks.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { AddressRow, NewAddress, NewPerson, PersonRow } from './tables.js';

/**
 * Addresses and persons are the two IPND records a number must name. They share their life cycle:
 * created, listed and deleted by their account, never deleted while a number or an in-flight
 * purchase uses them.
 */
export type IpndKind = 'address' | 'person';

const ORDER_COLUMN = { address: 'address_id', person: 'person_id' } as const;

export async function insertAddress(ex: Executor, row: NewAddress): Promise<AddressRow> {
  return ex.insertInto('address').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function insertPerson(ex: Executor, row: NewPerson): Promise<PersonRow> {
  return ex.insertInto('person').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listAddresses(ex: Executor, accountId: string, page: PageRequest): Promise<Page<AddressRow>> {
  let query = ex.selectFrom('address').selectAll().where('account_id', '=', accountId).orderBy('id');
  if (page.after) query = query.where('id', '>', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.id);
}

export async function listPersons(ex: Executor, accountId: string, page: PageRequest): Promise<Page<PersonRow>> {
  let query = ex.selectFrom('person').selectAll().where('account_id', '=', accountId).orderBy('id');
  if (page.after) query = query.where('id', '>', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.id);
}

/** Whether the account has this record. Another account's record does not exist for it. */
const recordOf = (lock: RowLock) => ({
  address: preparedQuery((ex, accountId: string, id: string) =>
    lockRows(ex, ex.selectFrom('address').select('id').where('id', '=', id).where('account_id', '=', accountId), lock),
  ),
  person: preparedQuery((ex, accountId: string, id: string) =>
    lockRows(ex, ex.selectFrom('person').select('id').where('id', '=', id).where('account_id', '=', accountId), lock),
  ),
});
const records = { plain: recordOf(undefined), share: recordOf('share'), update: recordOf('update') };

/** Whether the account has this record; `lock` holds it until the transaction ends (PostgreSQL). */
export async function ipndRecordExists(ex: Executor, kind: IpndKind, accountId: string, id: string, lock?: RowLock): Promise<boolean> {
  return (await records[lock ?? 'plain'][kind](ex, accountId, id)).rows.length > 0;
}

/** Whether an owned number or an in-flight purchase names this record. */
export async function ipndRecordInUse(ex: Executor, kind: IpndKind, id: string): Promise<boolean> {
  const column = ORDER_COLUMN[kind];
  // One statement, so one snapshot: a purchase completing between two separate checks would move
  // from the pending order to the active number unseen by both.
  const row = await ex
    .selectNoFrom((eb) =>
      eb
        .or([
          eb.exists(eb.selectFrom('phone_number').select('did_number').where(column, '=', id).where('status', 'in', ['reserved', 'active'])),
          eb.exists(eb.selectFrom('purchase_order').select('id').where(column, '=', id).where('status', '=', 'pending')),
        ])
        .as('in_use'),
    )
    .executeTakeFirstOrThrow();
  return Boolean(row.in_use);
}

export async function deleteIpndRecord(ex: Executor, kind: IpndKind, accountId: string, id: string): Promise<boolean> {
  const result = await ex
    .deleteFrom(kind)
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function findAddress(ex: Executor, id: string): Promise<AddressRow | undefined> {
  return ex.selectFrom('address').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPerson(ex: Executor, id: string): Promise<PersonRow | undefined> {
  return ex.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirst();
}
