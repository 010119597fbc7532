import { AppError, invalidRequest } from '../domain/errors.js';
import { UPDATE_FIELD_KINDS, updateEvents, type ChangeSource, type JsonValue, type UpdateField } from '../domain/number-event.js';
import { parseNumber } from '../domain/phone-number.js';
import { SMS_ROUTE_TYPES, type SmsRouteType } from '../domain/routing.js';
import { holdEventStream } from '../store/account-event-store.js';
import type { Trx } from '../store/database.js';
import { recordNumberEvents } from '../store/number-event-store.js';
import { findOwnedNumber, updateOwnedNumber } from '../store/number-store.js';
import type { PhoneNumberRow, PhoneNumberUpdate } from '../store/tables.js';
import { requestUpstreamChange } from '../store/upstream-change-store.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { pushUpstreamChange } from './push-upstream-change.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';
import { requireIpndRecord } from './require-ipnd-record.js';
import { resolveRoute } from './resolve-route.js';
import { DEFAULT_BLOCK_PREFS } from './settle-order.js';

export interface BlockPrefsUpdate {
  block_invalid?: boolean;
  block_hidden?: boolean;
  block_international?: boolean;
  block_landline?: boolean;
  block_mobile?: boolean;
  block_list?: string[];
  allow_list?: string[];
  route?: string | null;
  destination?: string | null;
}

/** `PATCH /phone-numbers`: every field but did_number optional; fields left out stay as they are. */
export interface NumberUpdate {
  did_number: string;
  description?: string | null;
  primary_route?: string;
  primary_destination?: string | null;
  primary_timeout?: number;
  backup_route?: string | null;
  backup_destination?: string | null;
  backup_timeout?: number | null;
  max_channels?: number | null;
  block_premium?: boolean;
  block_prefs?: BlockPrefsUpdate;
  sms_routes?: { route: string; destination: string } | null;
  address_id?: string;
  person_id?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Updates one of the caller's numbers, validating routing exactly as a purchase does. Each group of
 * fields whose value changed (routing, IPND records, description, settings) is recorded in the
 * number's history, before and after, as `source`'s, in the update's own transaction.
 */
export async function updateNumber(deps: ServiceDeps, accountId: string, update: NumberUpdate, source: ChangeSource): Promise<PhoneNumberRow> {
  const e164 = requireOwnedNumberFormat(update.did_number);
  let toldUpstream = false;
  const updated = await deps.database.writeTransaction(async (trx) => {
    await holdEventStream(trx, accountId);
    const current = await findOwnedNumber(trx, accountId, e164);
    if (!current) throw numberNotFound(e164);
    const changes = await buildChanges(trx, accountId, current, update);
    const at = isoNow(deps);
    // Only a number its carrier keeps the records of (the upstream's, not an own range's).
    toldUpstream = deps.carrier.configure !== undefined && current.carrier === deps.carrier.name && ipndReplaced(current, changes);
    if (toldUpstream) await requestUpstreamChange(trx, [e164], at);
    const row = await updateOwnedNumber(trx, accountId, e164, { ...changes, updated_at: at });
    if (row) {
      const events = updateEvents(eventValues(current), eventValues(changes));
      await recordNumberEvents(
        trx,
        events.map((event) => ({ ...event, didNumber: e164, accountId, source, at })),
      );
    }
    return row;
  });
  if (!updated) throw numberNotFound(e164);
  if (toldUpstream) {
    deps.faults?.reached('before_upstream_change');
    // The answer does not wait for upstream, nor can upstream's trouble make it an error: the
    // change is queued, and maintenance retries what this push could not finish.
    deps.tasks.track(pushUpstreamChange(deps, e164).catch((error: unknown) => deps.log.warn({ err: error, did_number: e164 }, 'upstream change not pushed')));
  }
  return updated;
}

/** The history's view of a number's fields: JSON settings as objects, flags as booleans. */
function eventValues(values: PhoneNumberUpdate): Partial<Record<UpdateField, JsonValue>> {
  const shown: Partial<Record<UpdateField, JsonValue>> = {};
  for (const field of Object.keys(UPDATE_FIELD_KINDS) as UpdateField[]) {
    const value = values[field];
    if (value === undefined) continue;
    if (field === 'block_prefs' || field === 'sms_routes') shown[field] = typeof value === 'string' ? (JSON.parse(value) as JsonValue) : null;
    else if (field === 'block_premium') shown[field] = value === null ? null : Boolean(value);
    else shown[field] = value as JsonValue;
  }
  return shown;
}

/** Upstream keeps the IPND entry: replacing a number's address or owner must reach it. */
function ipndReplaced(current: PhoneNumberRow, changes: PhoneNumberUpdate): boolean {
  return (
    (changes.address_id !== undefined && changes.address_id !== current.address_id) ||
    (changes.person_id !== undefined && changes.person_id !== current.person_id)
  );
}

async function buildChanges(
  trx: Trx,
  accountId: string,
  current: PhoneNumberRow,
  update: NumberUpdate,
): Promise<PhoneNumberUpdate> {
  const changes: PhoneNumberUpdate = {};
  if (update.description !== undefined) changes.description = update.description;

  if (update.primary_route !== undefined || update.primary_destination !== undefined) {
    const route = update.primary_route ?? current.primary_route ?? '';
    const destination = update.primary_destination !== undefined ? update.primary_destination : current.primary_destination;
    const resolved = await resolveRoute(trx, accountId, route, destination);
    changes.primary_route = resolved.route;
    changes.primary_destination = resolved.destination;
  }
  if (update.primary_timeout !== undefined) changes.primary_timeout = update.primary_timeout;

  if (update.backup_route === null) {
    changes.backup_route = null;
    changes.backup_destination = null;
  } else if (update.backup_route !== undefined || update.backup_destination !== undefined) {
    const route = update.backup_route ?? current.backup_route;
    if (!route) throw invalidRequest('backup_route', 'is required to set backup_destination');
    const destination = update.backup_destination !== undefined ? update.backup_destination : current.backup_destination;
    const resolved = await resolveRoute(trx, accountId, route, destination, {
      route: 'backup_route',
      destination: 'backup_destination',
    });
    changes.backup_route = resolved.route;
    changes.backup_destination = resolved.destination;
  }
  if (update.backup_timeout !== undefined) changes.backup_timeout = update.backup_timeout;
  if (update.max_channels !== undefined) changes.max_channels = update.max_channels;
  if (update.block_premium !== undefined) changes.block_premium = update.block_premium ? 1 : 0;
  if (update.block_prefs !== undefined) {
    changes.block_prefs = JSON.stringify(await mergeBlockPrefs(trx, accountId, current, update.block_prefs));
  }
  if (update.sms_routes !== undefined) {
    if (current.number_type !== 'mobile') {
      throw new AppError('sms_not_supported', `${current.did_number} is not a mobile number and cannot receive SMS`);
    }
    changes.sms_routes = update.sms_routes === null ? null : JSON.stringify(await checkSmsRoute(trx, accountId, update.sms_routes));
  }
  if (update.address_id !== undefined) {
    await requireIpndRecord(trx, 'address', accountId, update.address_id);
    changes.address_id = update.address_id;
  }
  if (update.person_id !== undefined) {
    await requireIpndRecord(trx, 'person', accountId, update.person_id);
    changes.person_id = update.person_id;
  }
  return changes;
}

async function mergeBlockPrefs(trx: Trx, accountId: string, current: PhoneNumberRow, update: BlockPrefsUpdate) {
  const merged = { ...DEFAULT_BLOCK_PREFS, ...(current.block_prefs ? JSON.parse(current.block_prefs) : {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value !== undefined) merged[key] = value;
  }
  for (const list of ['block_list', 'allow_list'] as const) {
    merged[list] = (merged[list] as string[]).map((entry, index) => {
      const digits = entry.replace(/[\s\-.()+]/g, '');
      if (!/^\d{2,15}$/.test(digits)) throw invalidRequest(`block_prefs.${list}[${index}]`, 'must be a number or a number prefix');
      return parseNumber(entry)?.e164 ?? digits;
    });
  }
  if (update.route !== undefined || update.destination !== undefined) {
    if (merged.route === null) {
      merged.destination = null;
    } else {
      const resolved = await resolveRoute(trx, accountId, merged.route, merged.destination, {
        route: 'block_prefs.route',
        destination: 'block_prefs.destination',
      });
      merged.route = resolved.route;
      merged.destination = resolved.destination;
    }
  }
  return merged;
}

async function checkSmsRoute(trx: Trx, accountId: string, sms: { route: string; destination: string }) {
  const route = sms.route as SmsRouteType;
  if (!SMS_ROUTE_TYPES.includes(route)) {
    throw new AppError('invalid_route', `sms_routes.route must be one of ${SMS_ROUTE_TYPES.join(', ')}`, {
      errors: [{ field: 'sms_routes.route', message: 'unknown SMS route type' }],
    });
  }
  const destination = sms.destination.trim();
  const valid =
    route === 'email'
      ? EMAIL.test(destination)
      : route === 'webhook'
        ? /^https?:\/\/[^\s]+$/.test(destination)
        : (await resolveRoute(trx, accountId, 'device', destination, { route: 'sms_routes.route', destination: 'sms_routes.destination' }))
            .destination !== null;
  if (!valid) {
    throw new AppError('invalid_route', `sms_routes.destination is not a valid ${route} destination`, {
      errors: [{ field: 'sms_routes.destination', message: `not a valid ${route} destination` }],
    });
  }
  return { route, destination };
}
