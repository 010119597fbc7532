import { accountEventKindOf, type NewAccountEvent } from '../domain/account-event.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_SOURCE, type ChangeSource, type JsonValue, type NumberEvent, type NumberEventDetailsByKind, type NumberEventKind } from '../domain/number-event.js';
import { appendAccountEvents } from './account-event-store.js';
import type { Executor } from './dialect.js';
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
 * events, so a set-based run (suspensions, reactivations) records a batch in one round trip.
 *
 * @example
 * await recordNumberEvents(trx, unpaid.map((t) => ({
 *   kind: 'suspended', didNumber: t.did_number, accountId: t.account_id, source: SYSTEM_SOURCE, at,
 *   details: { order_id: t.order_id, period: t.next_period },
 * })));
 */
export async function recordNumberEvents(ex: Executor, events: readonly NewNumberEvent[]): Promise<void> {
  const rows = events.map(eventRow);
  // One event (an update, a release) is the common case.
  if (rows.length === 1) await insertOne(ex, rows[0]!);
  else {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await ex.insertInto('number_event').values(rows.slice(start, start + ROWS_PER_INSERT)).execute();
    }
  }
  // Each change is heard by its owner's integrations too, from the same transaction.
  await appendAccountEvents(ex, rows.flatMap((row, i) => heardAs(events[i]!, row.id)));
}

/** The account event a history event is heard as (none for a purchase: its completion appends it). */
function heardAs(event: NewNumberEvent, historyEventId: string): NewAccountEvent[] {
  const kind = accountEventKindOf(event.kind);
  if (!kind) return [];
  const change: { [key: string]: JsonValue } = kind === 'number.updated' ? { change: event.kind } : {};
  return [
    {
      accountId: event.accountId,
      kind,
      didNumber: event.didNumber,
      at: event.at,
      data: {
        did_number: event.didNumber,
        ...change,
        ...(event.details as { [key: string]: JsonValue }),
        history_event_id: historyEventId,
        actor: event.source.actor,
        request_id: event.source.requestId,
      },
    },
  ];
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
 * without, every owner's (the operator). Purchases are read from their orders (purchaseEvents) and
 * renewals from the periods charged (renewalEvents); each takes its place among the events by its id.
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
  const events = (await query.execute()).map(numberEventOf);
  const derived = [...(await purchaseEvents(ex, filter)), ...(await renewalEvents(ex, filter))].filter(
    (event) => page.after === undefined || event.id < page.after,
  );
  const merged = [...events, ...derived].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return toPage(limit === undefined ? merged : merged.slice(0, limit), page, (event) => event.id);
}

/**
 * Each completed order of the number that names who placed it (migration 0027 on) as its
 * `purchased` event, found through its tenure: the order's own configuration, actor and request,
 * at its completion, with the id billingEventId gives period 0. A number has a tenure per sale.
 */
async function purchaseEvents(ex: Executor, filter: { didNumber: string; accountId?: string }): Promise<NumberEvent[]> {
  let query = ex
    .selectFrom('rental')
    .innerJoin('purchase_order', 'purchase_order.id', 'rental.order_id')
    .select([
      'purchase_order.id',
      'purchase_order.did_number',
      'purchase_order.account_id',
      'purchase_order.amount_cents',
      'purchase_order.primary_route',
      'purchase_order.primary_destination',
      'purchase_order.address_id',
      'purchase_order.person_id',
      'purchase_order.description',
      'purchase_order.actor',
      'purchase_order.request_id',
      'purchase_order.completed_at',
    ])
    .where('rental.did_number', '=', filter.didNumber)
    .where('purchase_order.actor', 'is not', null);
  if (filter.accountId !== undefined) query = query.where('rental.account_id', '=', filter.accountId);
  return (await query.execute()).map((row) => ({
    id: billingEventId('purchased', row.completed_at!, row.id, 0),
    did_number: row.did_number,
    account_id: row.account_id,
    kind: 'purchased' as const,
    details: {
      order_id: row.id,
      amount_cents: Number(row.amount_cents),
      configuration: {
        primary_route: row.primary_route,
        primary_destination: row.primary_destination,
        address_id: row.address_id,
        person_id: row.person_id,
        description: row.description,
      },
    },
    actor: row.actor!,
    request_id: row.request_id,
    created_at: row.completed_at!,
  }));
}

/**
 * Each period charged for the number as a `renewed` event (the billing run, so `system`, without
 * a request), with the id billingEventId gives it.
 * A number is renewed once a month, so reading all of its charges stays small.
 */
async function renewalEvents(ex: Executor, filter: { didNumber: string; accountId?: string }): Promise<NumberEvent[]> {
  let query = ex
    .selectFrom('rental')
    .innerJoin('rental_charge', 'rental_charge.order_id', 'rental.order_id')
    .select([
      'rental.did_number',
      'rental.account_id',
      'rental_charge.order_id',
      'rental_charge.period',
      'rental_charge.amount_cents',
      'rental_charge.period_start',
      'rental_charge.period_end',
      'rental_charge.charged_at',
    ])
    .where('rental.did_number', '=', filter.didNumber);
  if (filter.accountId !== undefined) query = query.where('rental.account_id', '=', filter.accountId);
  return (await query.execute()).map((row) => ({
    id: billingEventId('renewed', row.charged_at, row.order_id, Number(row.period)),
    did_number: row.did_number,
    account_id: row.account_id,
    kind: 'renewed' as const,
    details: {
      order_id: row.order_id,
      period: Number(row.period),
      amount_cents: Number(row.amount_cents),
      period_start: row.period_start,
      period_end: row.period_end,
    },
    actor: SYSTEM_SOURCE.actor,
    request_id: SYSTEM_SOURCE.requestId,
    created_at: row.charged_at,
  }));
}

/**
 * Where a billing run's events sort among the run's others, all dated by the run's instant; a
 * purchase comes before any event made with newId in the same millisecond (a UUIDv7's next digit is 7).
 */
const RUN_EVENT_ORDER = { purchased: '6', renewed: '7', suspended: '8', reactivated: '9' } as const;

/**
 * The id of a billing run's event of a tenure's period: an `evt_` id as newId makes at the run's
 * instant `at` (a UUIDv7 begins with its milliseconds), then the kind, so that a run's renewals
 * come before its suspensions and reactivations, then the period and the tenure. A renewal's id is
 * made again at each read from its charge; the run writes the others with theirs. A run records
 * one of each kind at most per tenure and period, so no two collide.
 */
export function billingEventId(kind: keyof typeof RUN_EVENT_ORDER, at: string, orderId: string, period: number): string {
  const millis = new Date(at).getTime().toString(16).padStart(12, '0');
  return `evt_${millis}${RUN_EVENT_ORDER[kind]}${period.toString(16).padStart(3, '0')}${orderId.slice(-16).padStart(16, '0')}`;
}

export function numberEventOf(row: NumberEventRow): NumberEvent {
  return { ...row, details: JSON.parse(row.details) as NumberEvent['details'] };
}
