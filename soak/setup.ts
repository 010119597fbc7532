import type { CarrierName } from '../server/src/domain/carrier-name.js';
import { newId, newUuid } from '../server/src/domain/ids.js';
import { parseNumber } from '../server/src/domain/phone-number.js';
import { createAccount } from '../server/src/services/create-account.js';
import type { Database } from '../server/src/store/database.js';
import { insertDestination } from '../server/src/store/destination-store.js';
import { insertAddress, insertPerson } from '../server/src/store/ipnd-store.js';
import { insertNumbers } from '../server/src/store/number-store.js';
import type { NewPhoneNumber } from '../server/src/store/tables.js';

export interface SoakAccount {
  accountId: string;
  key: string;
  addressId: string;
  personId: string;
}

/** A funded customer with an address, an owner and a device destination. */
export async function soakAccount(database: Database, balanceCents: number): Promise<SoakAccount> {
  const at = new Date().toISOString();
  const { account, apiKey } = await createAccount({ database, clock: () => new Date() }, { name: `soak ${newUuid()}`, openingCreditCents: balanceCents });
  const addressId = newUuid();
  const personId = newUuid();
  await insertAddress(database.db, { id: addressId, account_id: account.id, city: 'Sydney', state: 'NSW', postcode: '2000', country: 'Australia', created_at: at });
  await insertPerson(database.db, { id: personId, account_id: account.id, name_1: 'Soak Pty Ltd', person_type: 'B', created_at: at });
  await insertDestination(database.db, { id: newId('dst'), account_id: account.id, route: 'device', destination: '1000000', description: 'desk', enabled: 1, created_at: at });
  return { accountId: account.id, key: apiKey, addressId, personId };
}

/** `count` Sydney numbers at $1 a month, provisioned by `carrier`, returned as E.164 digits. */
export async function soakNumbers(database: Database, count: number, first = 100000, carrier: CarrierName = 'simulated'): Promise<string[]> {
  const at = new Date().toISOString();
  const rows: NewPhoneNumber[] = [];
  for (let i = 0; i < count; i++) {
    const parsed = parseNumber(`0291${String(first + i).padStart(6, '0')}`)!;
    rows.push({
      did_number: parsed.e164, country: 'AU', number_type: 'geographic', state: 'NSW', city: 'Sydney', area_code: '02',
      carrier, setup_cost_cents: 0, monthly_cost_cents: 100, status: 'available', block_premium: 0, created_at: at, updated_at: at,
    });
  }
  await database.writeTransaction((trx) => insertNumbers(trx, rows));
  return rows.map((r) => r.did_number);
}

export function purchase(base: string, account: SoakAccount, didNumber: string, idempotencyKey: string) {
  return fetch(`${base}/api/v1/phone-numbers/purchase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': account.key, 'idempotency-key': idempotencyKey },
    body: JSON.stringify({
      did_number: didNumber, address_id: account.addressId, person_id: account.personId, primary_route: 'device', primary_destination: '1000000',
    }),
    signal: AbortSignal.timeout(30_000),
  });
}
