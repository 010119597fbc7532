import { sql } from 'kysely';
import type { AccountEvent, NewAccountEvent } from '../domain/account-event.js';
import { firstIdAt, newId } from '../domain/ids.js';
import { dialectOf, type Executor } from './dialect.js';
import { jsonRows } from './json-rows.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import { preparedQuery } from './prepared-query.js';
import type { AccountEventTable } from './tables.js';

/**
 * Appends events to their accounts' streams in the caller's transaction: pass the `trx` that
 * writes the change. Each account's counter moves on by its events (one statement per account,
 * which on PostgreSQL locks the account row until the transaction ends, so the account's events
 * are numbered in commit order), then every row goes in with one statement.
 */
export async function appendAccountEvents(ex: Executor, events: readonly NewAccountEvent[]): Promise<void> {
  if (events.length === 0) return;
  const byAccount = new Map<string, NewAccountEvent[]>();
  for (const event of events) {
    const own = byAccount.get(event.accountId);
    if (own) own.push(event);
    else byAccount.set(event.accountId, [event]);
  }
  const rows: AccountEventTable[] = [];
  // In a fixed order, so two transactions appending for the same accounts lock them alike.
  for (const accountId of [...byAccount.keys()].sort()) {
    const own = byAccount.get(accountId)!;
    const last = await moveCounter(ex, accountId, own.length);
    own.forEach((event, i) => rows.push(rowOf(event, last - own.length + 1 + i)));
  }
  if (rows.length === 1) {
    await insertOne(ex, rows[0]!);
    return;
  }
  await sql`
    INSERT INTO account_event (account_id, seq, id, kind, did_number, data, created_at)
    SELECT j.account_id, j.seq, j.id, j.kind, j.did_number, j.data, j.created_at
    FROM ${jsonRows(
      ex,
      rows.map((row) => [row.account_id, row.seq, row.id, row.kind, row.did_number, row.data, row.created_at]),
      { account_id: 'text', seq: 'bigint', id: 'text', kind: 'text', did_number: 'text', data: 'text', created_at: 'text' },
    )} AS j`.execute(ex);
}

/**
 * PostgreSQL: locks the account's row for the rest of the transaction, as appending its events
 * will. A transaction that changes a number and then appends its event calls this first, so that
 * it takes the account before the number as the billing run does (balances, then the numbers'
 * flags), and the two never wait on each other in a circle.
 */
export async function holdEventStream(ex: Executor, accountId: string): Promise<void> {
  if (dialectOf(ex) === 'postgres') await sql`SELECT id FROM account WHERE id = ${accountId} FOR NO KEY UPDATE`.execute(ex);
}

const moveCounterBy = preparedQuery((ex, accountId: string, count: number) =>
  ex
    .updateTable('account')
    .set((eb) => ({ event_seq: eb('event_seq', '+', count) }))
    .where('id', '=', accountId)
    .returning('event_seq'),
);

async function moveCounter(ex: Executor, accountId: string, count: number): Promise<number> {
  const row = (await moveCounterBy(ex, accountId, count)).rows[0];
  if (!row) throw new Error(`Account ${accountId} does not exist`);
  return Number(row.event_seq);
}

const insertOne = preparedQuery((ex, row: AccountEventTable) => ex.insertInto('account_event').values(row));

function rowOf(event: NewAccountEvent, seq: number): AccountEventTable {
  return {
    account_id: event.accountId,
    seq,
    id: event.id ?? newId('evt'),
    kind: event.kind,
    did_number: event.didNumber,
    data: JSON.stringify(event.data),
    created_at: event.at,
  };
}

/** The account's events after the cursor `page.after` (a seq), oldest first. */
export async function listAccountEvents(ex: Executor, accountId: string, page: PageRequest): Promise<Page<AccountEvent>> {
  let query = ex.selectFrom('account_event').selectAll().where('account_id', '=', accountId);
  if (page.after) query = query.where('seq', '>', Number(page.after));
  query = query.orderBy('seq');
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  const rows = (await query.execute()).map(eventOf);
  return toPage(rows, page, (event) => event.cursor);
}

function eventOf(row: AccountEventTable): AccountEvent {
  return {
    id: row.id,
    cursor: String(row.seq),
    kind: row.kind,
    did_number: row.did_number,
    data: JSON.parse(row.data) as AccountEvent['data'],
    created_at: row.created_at,
  };
}

/**
 * Drops the events made before `before`, at most `limit` of them, oldest first; returns how many
 * went. Event ids are time-ordered, so the id index finds them without reading the rest.
 */
export async function pruneAccountEvents(ex: Executor, before: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM account_event WHERE (account_id, seq) IN (
      SELECT account_id, seq FROM account_event WHERE id < ${firstIdAt('evt', before)} ORDER BY id LIMIT ${limit})`.execute(ex);
  return Number(result.numAffectedRows ?? 0);
}
