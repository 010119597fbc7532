import { isCalendarDate } from '../domain/calendar-date.js';
import { AppError, invalidRequest } from '../domain/errors.js';
import { isUuid, newUuid } from '../domain/ids.js';
import { ADDRESS_OPTIONAL_FIELDS, type Address, type AddressOptionalField, type Person, type PersonType } from '../domain/ipnd-record.js';
import type { Page, PageRequest } from '../domain/page.js';
import { parseNumber, STATES } from '../domain/phone-number.js';
import {
  deleteIpndRecord,
  insertAddress,
  insertPerson,
  ipndRecordExists,
  ipndRecordInUse,
  listAddresses,
  listPersons,
  type IpndKind,
} from '../store/ipnd-store.js';
import type { NewAddress, NewPerson } from '../store/tables.js';
import { READ_COMMITTED } from '../store/database.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { isoNow, type ServiceDeps } from './deps.js';

export type AddressInput = { city: string; state: string; postcode: string; country?: string | null } & {
  [K in AddressOptionalField]?: string | null;
};

export interface PersonInput {
  name_1: string;
  name_2?: string | null;
  title?: string | null;
  person_type: PersonType;
  contact_number?: string | null;
  nickname?: string | null;
  contact_name_1?: string | null;
  contact_name_2?: string | null;
  birthdate?: string | null;
}

const AUSTRALIA = 'Australia';

export async function createAddress(deps: ServiceDeps, accountId: string, input: AddressInput, claim?: IdempotencyClaim | null): Promise<Address> {
  const country = input.country?.trim() || AUSTRALIA;
  const state = input.state.trim().toUpperCase();
  if (country === AUSTRALIA && !(STATES as readonly string[]).includes(state)) {
    throw invalidRequest('state', `must be one of ${STATES.join(', ')}`);
  }
  if (!/^\d{4}$/.test(input.postcode.trim())) throw invalidRequest('postcode', 'must be 4 digits');
  if (input.city.trim() === '') throw invalidRequest('city', 'must not be empty');
  const row: NewAddress = {
    id: newUuid(),
    account_id: accountId,
    city: input.city.trim(),
    state,
    postcode: input.postcode.trim(),
    country,
    created_at: isoNow(deps),
  };
  for (const field of ADDRESS_OPTIONAL_FIELDS) row[field] = input[field] ?? null;
  return deps.database.writeTransaction(async (trx) => {
    const address = await insertAddress(trx, row);
    await tieToIdempotencyKey(trx, claim, `address:${address.id}`);
    return address;
  });
}

export async function createPerson(deps: ServiceDeps, accountId: string, input: PersonInput, claim?: IdempotencyClaim | null): Promise<Person> {
  if (input.name_1.trim() === '') throw invalidRequest('name_1', 'must not be empty');
  if (input.person_type === 'R' && !input.name_2?.trim()) {
    throw invalidRequest('name_2', 'a residential owner needs a given name');
  }
  if (input.birthdate && !isCalendarDate(input.birthdate)) throw invalidRequest('birthdate', 'must be a date as YYYY-MM-DD');
  let contactNumber: string | null = null;
  if (input.contact_number) {
    const parsed = parseNumber(input.contact_number);
    if (!parsed) throw invalidRequest('contact_number', 'must be an Australian or New Zealand phone number');
    contactNumber = parsed.e164;
  }
  const row: NewPerson = {
    id: newUuid(),
    account_id: accountId,
    name_1: input.name_1.trim(),
    name_2: input.name_2?.trim() || null,
    title: input.title ?? null,
    person_type: input.person_type,
    contact_number: contactNumber,
    nickname: input.nickname ?? null,
    contact_name_1: input.contact_name_1 ?? null,
    contact_name_2: input.contact_name_2 ?? null,
    birthdate: input.birthdate ?? null,
    created_at: isoNow(deps),
  };
  return deps.database.writeTransaction(async (trx) => {
    const person = await insertPerson(trx, row);
    await tieToIdempotencyKey(trx, claim, `person:${person.id}`);
    return person;
  });
}

export function addressesOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<Address>> {
  return listAddresses(deps.database.db, accountId, page);
}

export function personsOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<Person>> {
  return listPersons(deps.database.db, accountId, page);
}

/**
 * Deletes an address or person, refusing with 409 in_use while a number or a purchase names it.
 * The record is locked before the check (READ COMMITTED on PostgreSQL): a purchase naming it
 * share-locks it, so the check runs after that purchase committed and sees its order, or the
 * purchase waits and then finds the record gone.
 */
export async function deleteIpnd(deps: ServiceDeps, kind: IpndKind, accountId: string, id: string): Promise<void> {
  const outcome = await deps.database.writeTransaction(async (trx) => {
    // Ownership first: another account's record must look exactly like a missing one.
    if (!isUuid(id) || !(await ipndRecordExists(trx, kind, accountId, id, 'update'))) return 'not_found';
    if (await ipndRecordInUse(trx, kind, id)) return 'in_use';
    await deleteIpndRecord(trx, kind, accountId, id);
    return 'deleted';
  }, READ_COMMITTED);
  if (outcome === 'in_use') throw new AppError('in_use', `This ${kind} is used by one of your numbers`);
  if (outcome === 'not_found') throw new AppError('not_found', `No such ${kind}`);
}
