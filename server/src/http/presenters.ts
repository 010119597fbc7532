import type { AccountEvent } from '../domain/account-event.js';
import { eventPayload, inDollars } from '../domain/event-payload.js';
import { ADDRESS_OPTIONAL_FIELDS, type Address, type Person } from '../domain/ipnd-record.js';
import { centsToDollars } from '../domain/money.js';
import type { JsonValue, NumberEvent } from '../domain/number-event.js';
import { shownStatus, type ListedNumber, type OwnedNumber } from '../domain/number-record.js';
import type { LedgerTransaction, PurchaseOrder } from '../domain/order.js';
import { DEFAULT_BLOCK_PREFS } from '../services/settle-order.js';
import type { RestoreDone } from '../services/restore-number.js';
import type { BulkOrderView } from '../services/bulk-order.js';

/** Services' values to the wire: dollars instead of cents, booleans and JSON settings decoded, internal fields dropped. */

export function presentAvailable(row: ListedNumber) {
  return {
    did_number: row.did_number,
    number_type: row.number_type,
    country: row.country,
    state: row.state,
    city: row.city,
    area_code: row.area_code,
    setup_cost: centsToDollars(Number(row.setup_cost_cents)),
    monthly_cost: centsToDollars(Number(row.monthly_cost_cents)),
  };
}

export function presentOwned(row: OwnedNumber) {
  return {
    ...presentAvailable(row),
    status: shownStatus(row),
    description: row.description,
    primary_route: row.primary_route,
    primary_destination: row.primary_destination,
    primary_timeout: row.primary_timeout,
    backup_route: row.backup_route,
    backup_destination: row.backup_destination,
    backup_timeout: row.backup_timeout,
    max_channels: row.max_channels,
    block_premium: row.block_premium === 1,
    block_prefs: row.block_prefs ? { ...DEFAULT_BLOCK_PREFS, ...JSON.parse(row.block_prefs) } : DEFAULT_BLOCK_PREFS,
    sms_routes: row.sms_routes ? JSON.parse(row.sms_routes) : null,
    address_id: row.address_id,
    person_id: row.person_id,
    order_id: row.order_id,
    purchased_at: row.purchased_at,
  };
}

export function presentOrder(row: PurchaseOrder) {
  return {
    order_id: row.id,
    did_number: row.did_number,
    status: row.status,
    amount: centsToDollars(Number(row.amount_cents)),
    failure_code: row.failure_code,
    created_at: row.created_at,
    completed_at: row.completed_at,
  };
}

/** The purchase answer: CrazyTel's message plus Bilby's fields. Also what a replayed key returns. */
export function presentPurchaseSuccess(order: PurchaseOrder, balanceCents: number) {
  return {
    message: 'DID number successfully purchased',
    order_id: order.id,
    did_number: order.did_number,
    charged: centsToDollars(Number(order.amount_cents)),
    balance: centsToDollars(balanceCents),
    status: 'completed',
  };
}

export function presentRestored(done: RestoreDone) {
  return {
    message: 'DID number successfully restored',
    did_number: done.restore.did_number,
    restore_id: done.restore.id,
    charged: centsToDollars(Number(done.restore.amount_cents)),
    balance: centsToDollars(done.balanceCents),
    next_renewal_on: done.nextRenewalOn,
    status: 'active' as const,
  };
}

export function presentTransaction(row: LedgerTransaction) {
  return {
    transaction_id: row.id,
    type: row.type,
    amount: centsToDollars(Number(row.amount_cents)),
    balance_after: centsToDollars(Number(row.balance_after_cents)),
    order_id: row.order_id,
    description: row.description,
    created_at: row.created_at,
  };
}

export function presentAddress(row: Address) {
  const item: Record<string, string | null> = { id: row.id };
  for (const field of ADDRESS_OPTIONAL_FIELDS) item[field] = row[field];
  return { ...item, city: row.city, state: row.state, postcode: row.postcode, country: row.country };
}

export function presentPerson(row: Person) {
  return {
    id: row.id,
    name_1: row.name_1,
    name_2: row.name_2,
    title: row.title,
    person_type: row.person_type,
    contact_number: row.contact_number,
    nickname: row.nickname,
    contact_name_1: row.contact_name_1,
    contact_name_2: row.contact_name_2,
    birthdate: row.birthdate,
  };
}

/** An event of a number's history as its owner sees it: amounts in dollars, as everywhere. */
export function presentNumberEvent(event: NumberEvent) {
  return {
    event_id: event.id,
    did_number: event.did_number,
    kind: event.kind,
    details: inDollars(event.details) as Record<string, JsonValue>,
    actor: event.actor,
    request_id: event.request_id,
    created_at: event.created_at,
  };
}

/** An event of the account's stream: amounts in dollars, its cursor opaque as every cursor. */
export function presentAccountEvent(event: AccountEvent) {
  return eventPayload(event);
}


/** A bulk order as its lines stand now: each line's outcome is its purchase order's. */
export function presentBulkOrder(view: BulkOrderView) {
  const lines = view.lines.map((line) => {
    const outcome = line.order_id === null ? 'refused' : line.status === 'completed' ? 'purchased' : line.status === 'pending' ? 'pending' : 'failed';
    return {
      did_number: line.did_number,
      outcome,
      reason: line.order_id === null ? line.refusal : outcome === 'failed' ? (line.failure_code ?? 'upstream_error') : null,
      order_id: line.order_id,
      charged: centsToDollars(outcome === 'purchased' ? (line.amount_cents ?? 0) : 0),
    } as const;
  });
  const bought = lines.filter((line) => line.outcome === 'purchased').length;
  const status = lines.some((line) => line.outcome === 'pending') ? 'pending' : bought === lines.length ? 'completed' : bought === 0 ? 'failed' : 'partial';
  return {
    id: view.order.id,
    status,
    all_or_nothing: Number(view.order.all_or_nothing) === 1,
    criteria: view.order.criteria === null ? null : (JSON.parse(view.order.criteria) as Record<string, unknown>),
    charged: centsToDollars(view.lines.reduce((sum, line, i) => sum + (lines[i]!.outcome === 'purchased' ? (line.amount_cents ?? 0) : 0), 0)),
    created_at: view.order.created_at,
    lines,
  } as const;
}
