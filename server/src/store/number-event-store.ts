import { newId } from '../domain/ids.js';
import type { ChangeSource, NumberEvent, NumberEventDetailsByKind, NumberEventKind } from '../domain/number-event.js';
import type { Executor } from './database.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import { preparedQuery } from './prepared-query.js';
import type { NumberEventRow } from './tables.js';

type EventOf<K extends NumberEventKind> = {
  kind: K;
  details: NumberEventDetailsByKind[K];
  didNumber: string;
  /** The owner whose tenure the event belongs to: only they (and the operator) see it. */
  accountId: string;
  source: ChangeSource;
  at: string;
  /** A time-ordered `evt_` id; made here when absent. */
  id?: string;
};

/** An event to record, its details typed by its kind. */
export type NewNumberEvent = { [K in NumberEventKind]: EventOf<K> }[NumberEventKind];

/** Rows per INSERT: eight parameters each stays far below both engines' limits. */
const ROWS_PER_INSERT = 1000;

/**
 * Records events in the caller's transaction, so that they commit or roll back with the change
 * they describe: pass the same `trx` that writes the change. One multi-row INSERT per thousand
 * events, so a set-based run (renewals, suspensions) records a batch in one round trip.
 *
 * @example
 * await recordNumberEvents(trx, renewed.map((r) => ({
 *   kind: 'renewed', didNumber: r.did_number, accountId: r.account_id, source: SYSTEM_SOURCE, at,
 *   details: { order_id: r.order_id, period: r.period, amount_cents: r.amount_cents },
 * })));
 */
export async function recordNumberEvents(ex: Executor, events: readonly NewNumberEvent[]): Promise<void> {
  // One event (a purchase, an update, a release) is the common case, on the purchase's hot path.
  if (events.length === 1) {
    await insertOne(ex, eventRow(events[0]!));
    return;
  }
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    const rows = events.slice(start, start + ROWS_PER_INSERT).map(eventRow);
    await ex.insertInto('number_event').values(rows).execute();
  }
}

const insertOne = preparedQuery((ex, row: NumberEventRow) => ex.insertInto('number_event').values(row));

/** The row an event is stored as. */
export function eventRow(event: NewNumberEvent): NumberEventRow {
  return {
    id: event.id ?? newId('evt'),
    did_number: event.didNumber,
    account_id: event.accountId,
    kind: event.kind,
    details: JSON.stringify(event.details),
    actor: event.source.actor,
    request_id: event.source.requestId,
    created_at: event.at,
  };
}

/**
 * A number's events, newest first: with `accountId`, only that owner's (a customer's own tenures);
 * without, every owner's (the operator).
 */
export async function listNumberEvents(
  ex: Executor,
  filter: { didNumber: string; accountId?: string },
  page: PageRequest,
): Promise<Page<NumberEvent>> {
  let query = ex.selectFrom('number_event').selectAll().where('did_number', '=', filter.didNumber);
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (page.after) query = query.where('id', '<', page.after);
  query = query.orderBy('id', 'desc');
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage((await query.execute()).map(numberEventOf), page, (event) => event.id);
}

export function numberEventOf(row: NumberEventRow): NumberEvent {
  return { ...row, details: JSON.parse(row.details) as NumberEvent['details'] };
}
