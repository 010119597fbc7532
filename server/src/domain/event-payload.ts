import type { AccountEvent } from './account-event.js';
import { centsToDollars } from './money.js';
import type { JsonValue } from './number-event.js';
import { encodeCursor } from './page.js';

/** An account event as integrators see it, alike in `GET /events/` and in a webhook delivery's body. */
export interface EventPayload {
  id: string;
  cursor: string;
  kind: AccountEvent['kind'];
  did_number: string | null;
  data: Record<string, JsonValue>;
  created_at: string;
}

export function eventPayload(event: AccountEvent): EventPayload {
  return {
    id: event.id,
    cursor: encodeCursor(event.cursor)!,
    kind: event.kind,
    did_number: event.did_number,
    data: inDollars(event.data) as Record<string, JsonValue>,
    created_at: event.created_at,
  };
}

/**
 * Every `<name>_cents`, however deep, becomes `<name>` in dollars: an amount, or a change of one
 * (`{before, after}`).
 */
export function inDollars(value: JsonValue, cents = false): JsonValue {
  if (typeof value === 'number') return cents ? centsToDollars(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => inDollars(item, cents));
  const shown: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('_cents')) shown[key.slice(0, -'_cents'.length)] = inDollars(item, true);
    else shown[key] = inDollars(item, cents);
  }
  return shown;
}
