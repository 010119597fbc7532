/**
 * A number's history: one event per change to a number, written in the transaction that makes the
 * change, so no change is ever without its event. Each event concerns one owner (the account whose
 * tenure it belongs to): a customer sees only the events of their own tenures.
 */
export const NUMBER_EVENT_KINDS = [
  'purchased',
  'routing_changed',
  'ipnd_changed',
  'description_changed',
  'settings_changed',
  'price_changed',
  'renewed',
  'suspended',
  'reactivated',
  'released',
  'restored',
] as const;
export type NumberEventKind = (typeof NUMBER_EVENT_KINDS)[number];

/** Who made a change: `api_key:<key id>`, the operator, or Bilby itself (recovery, billing runs). */
export type Actor = `api_key:${string}` | 'operator' | 'system';

/** Where a change came from: its actor and the request that asked for it (null without one). */
export interface ChangeSource {
  actor: Actor;
  requestId: string | null;
}

/** The operator's changes, as asked for by the request `requestId`. */
export function operatorSource(requestId: string): ChangeSource {
  return { actor: 'operator', requestId };
}

/** Bilby's own changes: recovery finishing a saga, the billing run. */
export const SYSTEM_SOURCE: ChangeSource = Object.freeze({ actor: 'system', requestId: null });

export function apiKeyActor(keyId: string): Actor {
  return `api_key:${keyId}`;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One field's value before and after a change. */
export interface FieldChange {
  before: JsonValue;
  after: JsonValue;
}

/** The fields a change altered, by name; a field the change left as it was is not listed. */
export type FieldChanges = Record<string, FieldChange>;

/**
 * What each kind records. Amounts are integer cents in fields ending `_cents` (the API shows them
 * in dollars without the suffix). The billing kinds name the tenure (its purchase order) and the
 * period; they may carry more.
 */
export interface NumberEventDetailsByKind {
  purchased: { order_id: string; amount_cents: number; configuration: Record<string, JsonValue> };
  routing_changed: { changes: FieldChanges };
  ipnd_changed: { changes: FieldChanges };
  description_changed: { changes: FieldChanges };
  settings_changed: { changes: FieldChanges };
  /** The operator gave a sold number its own price, or took it back to its type's. */
  price_changed: { changes: FieldChanges };
  renewed: { order_id: string; period: number; amount_cents: number; [key: string]: JsonValue };
  suspended: { order_id: string; period: number; [key: string]: JsonValue };
  reactivated: { order_id: string; period: number; [key: string]: JsonValue };
  released: { release_id: string | null; [key: string]: JsonValue };
  restored: { release_id: string | null; order_id: string; [key: string]: JsonValue };
}

export type NumberEventDetails = NumberEventDetailsByKind[NumberEventKind];

/** The groups a number update is recorded in, each field in exactly one. */
export const UPDATE_FIELD_KINDS = {
  primary_route: 'routing_changed',
  primary_destination: 'routing_changed',
  primary_timeout: 'routing_changed',
  backup_route: 'routing_changed',
  backup_destination: 'routing_changed',
  backup_timeout: 'routing_changed',
  sms_routes: 'routing_changed',
  address_id: 'ipnd_changed',
  person_id: 'ipnd_changed',
  description: 'description_changed',
  max_channels: 'settings_changed',
  block_premium: 'settings_changed',
  block_prefs: 'settings_changed',
} as const satisfies Record<string, NumberEventKind>;

export type UpdateField = keyof typeof UPDATE_FIELD_KINDS;
export type UpdateEventKind = (typeof UPDATE_FIELD_KINDS)[UpdateField];

/**
 * The events of one update: for each group with a field whose value changed, that group's fields
 * before and after. Values compare as JSON, so a field set to what it was records nothing.
 */
export function updateEvents(
  before: Partial<Record<UpdateField, JsonValue>>,
  after: Partial<Record<UpdateField, JsonValue>>,
): { kind: UpdateEventKind; details: { changes: FieldChanges } }[] {
  const groups = new Map<UpdateEventKind, FieldChanges>();
  for (const field of Object.keys(UPDATE_FIELD_KINDS) as UpdateField[]) {
    if (!(field in after)) continue;
    const was = before[field] ?? null;
    const now = after[field] ?? null;
    if (canonicalJson(was) === canonicalJson(now)) continue;
    const kind = UPDATE_FIELD_KINDS[field];
    const changes = groups.get(kind) ?? {};
    changes[field] = { before: was, after: now };
    groups.set(kind, changes);
  }
  return [...groups].map(([kind, changes]) => ({ kind, details: { changes } }));
}

/** JSON with every object's keys sorted, so equal values give equal text. */
function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}

/** One event of a number's history, as the services see it. */
export interface NumberEvent {
  id: string;
  did_number: string;
  /** The owner whose tenure the event belongs to. */
  account_id: string;
  kind: NumberEventKind;
  details: { [key: string]: JsonValue };
  actor: string;
  request_id: string | null;
  created_at: string;
}
