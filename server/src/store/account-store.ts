import { sql } from 'kysely';
import type { AccountStatus } from '../domain/account.js';
import type { RouteType } from '../domain/routing.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { AccountRow } from './tables.js';

export async function insertAccount(ex: Executor, account: AccountRow): Promise<void> {
  await ex.insertInto('account').values(account).execute();
}

/**
 * The next seven-digit account code, CrazyTel style ("1000001"), from the `account_code` counter.
 * Call inside the write transaction that inserts the account: the UPDATE holds the counter's row
 * until it commits, so concurrent callers wait for each other (under READ COMMITTED on PostgreSQL;
 * SERIALIZABLE would abort them instead) and a rolled-back account gives its code back.
 */
export async function nextAccountCode(ex: Executor): Promise<string> {
  const row = await ex
    .updateTable('counter')
    .set({ value: sql`value + 1` })
    .where('name', '=', 'account_code')
    .returning('value')
    .executeTakeFirstOrThrow();
  return String(row.value);
}

const accountById = preparedQuery((ex, id: string) => ex.selectFrom('account').selectAll().where('id', '=', id));

export async function findAccount(ex: Executor, id: string): Promise<AccountRow | undefined> {
  return (await accountById(ex, id)).rows[0];
}

export async function findAccountByName(ex: Executor, name: string): Promise<AccountRow | undefined> {
  return ex.selectFrom('account').selectAll().where('name', '=', name).orderBy('id').executeTakeFirst();
}

/**
 * Holds funds if the available balance covers them. The condition is in the UPDATE itself, so two
 * concurrent holds can never overdraw; the table's CHECK is the last line of defence.
 */
const holdIfCovered = preparedQuery((ex, accountId: string, cents: number) =>
  ex
    .updateTable('account')
    .set({ held_cents: sql`held_cents + ${cents}` })
    .where('id', '=', accountId)
    .where(sql<boolean>`balance_cents - held_cents >= ${cents}`),
);

export async function holdFunds(ex: Executor, accountId: string, cents: number): Promise<boolean> {
  return (await holdIfCovered(ex, accountId, cents)).numAffectedRows === 1n;
}

/** Gives back held funds without moving money (a voided hold). */
export async function releaseHeldFunds(ex: Executor, accountId: string, cents: number): Promise<void> {
  await ex
    .updateTable('account')
    .set({ held_cents: sql`held_cents - ${cents}` })
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
}

export async function readBalanceCents(ex: Executor, accountId: string): Promise<number> {
  const row = await ex
    .selectFrom('account')
    .select('balance_cents')
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.balance_cents);
}

export async function listAccounts(ex: Executor, status: AccountStatus | undefined, page: PageRequest): Promise<Page<AccountRow>> {
  let query = ex.selectFrom('account').selectAll().orderBy('id');
  if (status) query = query.where('status', '=', status);
  if (page.after) query = query.where('id', '>', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.id);
}

export async function setAccountStatus(ex: Executor, id: string, status: AccountStatus): Promise<AccountRow | undefined> {
  return ex.updateTable('account').set({ status }).where('id', '=', id).returningAll().executeTakeFirst();
}

/** The operator's override of where upstream sends the account's calls; nulls clear it. */
export async function setAccountUpstreamRoute(
  ex: Executor,
  id: string,
  routing: { route: RouteType | null; destination: string | null },
): Promise<AccountRow | undefined> {
  return ex
    .updateTable('account')
    .set({ upstream_route: routing.route, upstream_destination: routing.destination })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** The balance below which the account is told (balance.low); null switches the alert off. */
export async function setLowBalanceAlert(ex: Executor, id: string, cents: number | null): Promise<AccountRow | undefined> {
  return ex.updateTable('account').set({ low_balance_cents: cents }).where('id', '=', id).returningAll().executeTakeFirst();
}
