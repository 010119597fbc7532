import { copyFileSync, rmSync } from 'node:fs';
import { newId, newUuid } from '../server/src/domain/ids.js';
import { parseNumber } from '../server/src/domain/phone-number.js';
import type { TypedApp } from '../server/src/http/typed-app.js';
import { createAccount } from '../server/src/services/create-account.js';
import { createDatabase, type Database } from '../server/src/store/database.js';
import { insertDestination } from '../server/src/store/destination-store.js';
import { insertAddress, insertPerson } from '../server/src/store/ipnd-store.js';
import { load, type LoadResult } from './load.js';

export interface BuyerAccount {
  apiKey: string;
  addressId: string;
  personId: string;
}

export interface Buyers {
  accounts: BuyerAccount[];
  /** Every available number Bilby accepts, shuffled: each purchase takes the next. */
  numbers: string[];
}

/** The body of the i-th purchase: the next number, bought by the buyers in turn. */
export function purchaseRequest(buyers: Buyers, i: number): { apiKey: string; body: string } {
  const buyer = buyers.accounts[i % buyers.accounts.length]!;
  return {
    apiKey: buyer.apiKey,
    body: JSON.stringify({
      did_number: buyers.numbers[i % buyers.numbers.length],
      address_id: buyer.addressId,
      person_id: buyer.personId,
      primary_route: 'device',
      primary_destination: '1000000',
    }),
  };
}

/**
 * Purchases at one server, each of the next number in `counter` (shared by loads that must not buy
 * the same number twice), bought by the buyers in turn.
 */
export function loadPurchases(
  base: string,
  buyers: Buyers,
  options: { counter?: { next: number }; connections?: number; seconds: number; warmUpSeconds?: number },
): Promise<LoadResult> {
  const counter = options.counter ?? { next: 0 };
  return load({
    url: `${base}/api/v1/phone-numbers/purchase`,
    method: 'POST',
    connections: options.connections,
    seconds: options.seconds,
    warmUpSeconds: options.warmUpSeconds,
    headers: { 'content-type': 'application/json' },
    next: () => {
      const request = purchaseRequest(buyers, counter.next++);
      return { body: request.body, headers: { 'x-crazytel-api-key': request.apiKey } };
    },
  });
}

/**
 * Accounts rich enough for every purchase, each with an address, an owner and a device, and the
 * stock to buy from. Several buyers, as a reseller has many customers (one account would make
 * every purchase contend for one balance row).
 */
export async function prepareBuyers(database: Database, count: number): Promise<Buyers> {
  const accounts: BuyerAccount[] = [];
  const at = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const { account, apiKey } = await createAccount({ database, clock: () => new Date() }, { name: `Bench buyer ${i}`, openingCreditCents: 1_000_000_000_00 });
    const addressId = newUuid();
    const personId = newUuid();
    await insertAddress(database.db, { id: addressId, account_id: account.id, city: 'Sydney', state: 'NSW', postcode: '2000', country: 'Australia', created_at: at });
    await insertPerson(database.db, { id: personId, account_id: account.id, name_1: 'Buyer', name_2: 'Bench', person_type: 'B', created_at: at });
    await insertDestination(database.db, { id: newId('dst'), account_id: account.id, route: 'device', destination: '1000000', description: 'Bench device', enabled: 1, created_at: at });
    accounts.push({ apiKey, addressId, personId });
  }
  const rows = await database.db.selectFrom('phone_number').select('did_number').where('status', '=', 'available').execute();
  // The generated stock spans whole ranges, some of them unallocated; buy only numbers Bilby accepts.
  const numbers = rows.map((row) => row.did_number).filter((did) => parseNumber(did) !== null);
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j]!, numbers[i]!];
  }
  return { accounts, numbers };
}

/**
 * Answers one purchase in-process, of the stock's last number (taken out of the stock), so that a
 * capture around it sees the SQL of exactly one purchase.
 */
export async function purchaseOnce(app: TypedApp, buyers: Buyers): Promise<void> {
  const request = purchaseRequest(buyers, buyers.numbers.length - 1);
  buyers.numbers.pop();
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/phone-numbers/purchase',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': request.apiKey },
    payload: request.body,
  });
  if (response.statusCode !== 200) throw new Error(`the captured purchase failed: ${response.body}`);
}

/** A SQLite purchase database for one run: a copy of the stock database, with the buyers. */
export async function preparePurchaseDatabase(stock: string, path: string, buyers: number): Promise<Buyers> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(stock, path);
  const database = createDatabase(`file:${path}`);
  try {
    return await prepareBuyers(database, buyers);
  } finally {
    await database.close();
  }
}
