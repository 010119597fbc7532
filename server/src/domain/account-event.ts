import type { JsonValue, NumberEventKind } from './number-event.js';

/**
 * What an integrator hears of its account: one event per change, written in the transaction that
 * makes the change (an outbox), numbered in the order the account's changes committed. The
 * `cursor` of an event is its number; `GET /events/?after=<cursor>` lists the ones after it.
 */
export const ACCOUNT_EVENT_KINDS = [
  'number.purchased',
  'purchase.failed',
  'purchase.pending',
  'number.updated',
  'number.released',
  'number.restored',
  'number.suspended',
  'number.reactivated',
  // The account's balance fell below the alert threshold it set.
  'balance.low',
  // A number the account held was not bought before its hold ended: it is back on sale.
  'reservation.expired',
  // Bilby stopped delivering to one of the account's webhook endpoints: it failed for the whole retry window.
  'webhook_endpoint.disabled',
] as const;
export type AccountEventKind = (typeof ACCOUNT_EVENT_KINDS)[number];

/** How long an account's events are kept. */
export const EVENT_RETENTION_DAYS = 30;

/** An event to append to its account's stream. */
export interface NewAccountEvent {
  accountId: string;
  kind: AccountEventKind;
  didNumber: string | null;
  data: { [key: string]: JsonValue };
  at: string;
  /** A time-ordered `evt_` id; made when absent. */
  id?: string;
}

/** An event as the API shows it. */
export interface AccountEvent {
  id: string;
  /** Its place in the account's stream: ask for the events after it. */
  cursor: string;
  kind: AccountEventKind;
  did_number: string | null;
  data: { [key: string]: JsonValue };
  created_at: string;
}

/**
 * The account event a change in a number's history is heard as. A purchase has none here: the
 * completion appends its `number.purchased` itself, whether or not it writes a history row.
 */
export function accountEventKindOf(kind: NumberEventKind): AccountEventKind | undefined {
  switch (kind) {
    // A renewal's record is its charge (a history event only before migration 0026): no event yet.
    case 'purchased':
    case 'renewed':
      return undefined;
    case 'routing_changed':
    case 'ipnd_changed':
    case 'description_changed':
    case 'settings_changed':
    case 'price_changed':
      return 'number.updated';
    case 'suspended':
      return 'number.suspended';
    case 'reactivated':
      return 'number.reactivated';
    case 'released':
      return 'number.released';
    case 'restored':
      return 'number.restored';
  }
}
