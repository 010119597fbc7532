import { copyFileSync, rmSync } from 'node:fs';
import { newId, newUuid } from '../src/domain/ids.js';
import { parseNumber } from '../src/domain/phone-number.js';
import { createAccount } from '../src/services/create-account.js';
import { createDatabase } from '../src/store/database.js';
import { insertDestination } from '../src/store/destination-store.js';
import { insertAddress, insertPerson } from '../src/store/ipnd-store.js';

export interface Buyer {
  apiKey: string;
  addressId: string;
  personId: string;
  /** Every available number, shuffled: each purchase takes the next. */
  numbers: string[];
}

/**
 * A purchase database for one run: a copy of the stock database, plus one account rich enough for
 * every purchase with an address, an owner and a device to route to.
 */
export async function preparePurchaseDatabase(stock: string, path: string): Promise<Buyer> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(stock, path);
  const database = createDatabase(`file:${path}`);
  const deps = { database, clock: () => new Date() };
  const { account, apiKey } = await createAccount(deps, { name: 'Bench buyer', openingCreditCents: 1_000_000_000_00 });
  const at = new Date().toISOString();
  const addressId = newUuid();
  const personId = newUuid();
  await insertAddress(database.db, { id: addressId, account_id: account.id, city: 'Sydney', state: 'NSW', postcode: '2000', country: 'Australia', created_at: at });
  await insertPerson(database.db, { id: personId, account_id: account.id, name_1: 'Buyer', name_2: 'Bench', person_type: 'B', created_at: at });
  await insertDestination(database.db, {
    id: newId('dst'),
    account_id: account.id,
    route: 'device',
    destination: '1000000',
    description: 'Bench device',
    enabled: 1,
    created_at: at,
  });
  const rows = await database.db.selectFrom('phone_number').select('did_number').where('status', '=', 'available').execute();
  await database.close();
  // The generated stock spans whole ranges, some of them unallocated; buy only numbers Bilby accepts.
  const numbers = rows.map((row) => row.did_number).filter((did) => parseNumber(did) !== null);
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j]!, numbers[i]!];
  }
  return { apiKey, addressId, personId, numbers };
}
