import { hashApiKey } from '../domain/api-key.js';
import { newId, newUuid } from '../domain/ids.js';
import type { RouteType } from '../domain/routing.js';
import { apiKeyExists } from '../store/api-key-store.js';
import { findAccountByName } from '../store/account-store.js';
import { insertDestination } from '../store/destination-store.js';
import { insertAddress, insertPerson } from '../store/ipnd-store.js';
import { countNumbers, insertNumbers } from '../store/number-store.js';
import { addApiKey, createAccount } from './create-account.js';
import { demoInventory } from './demo-inventory.js';
import { isoNow, type ServiceDeps } from './deps.js';

export const DEMO_ACCOUNT_NAME = 'Demo account';
const DEMO_BALANCE_CENTS = 50_000;

export interface DemoSeedResult {
  accountId: string;
  /** The demo API key, when this call created it (to be printed once). */
  createdKey: string | null;
  inventoryAdded: number;
}

/**
 * Gives a new database everything needed to try the seed's purchase process: a funded demo account
 * with an address, an owner and destinations, and a realistic inventory. On an existing database it
 * only makes sure `demoApiKey`, when given, opens the demo account.
 */
export async function seedDemo(deps: Pick<ServiceDeps, 'database' | 'clock'>, demoApiKey?: string): Promise<DemoSeedResult> {
  const db = deps.database.db;
  const at = isoNow(deps);
  const existing = await findAccountByName(db, DEMO_ACCOUNT_NAME);
  if (existing) {
    const unchanged = { accountId: existing.id, createdKey: null, inventoryAdded: 0 };
    if (!demoApiKey) return unchanged;
    if (await apiKeyExists(db, hashApiKey(demoApiKey))) return unchanged;
    await addApiKey(db, existing.id, demoApiKey, at, 'demo');
    return { ...unchanged, createdKey: demoApiKey };
  }

  const { account, apiKey } = await createAccount(deps, {
    name: DEMO_ACCOUNT_NAME,
    ...(demoApiKey ? { apiKey: demoApiKey } : {}),
    openingCreditCents: DEMO_BALANCE_CENTS,
  });
  await deps.database.writeTransaction(async (trx) => {
    await insertAddress(trx, {
      id: newUuid(),
      account_id: account.id,
      nickname: 'Head office',
      street_number_first: '100',
      street_name: 'George Street',
      street_number_pretty: '100',
      city: 'Sydney',
      state: 'NSW',
      postcode: '2000',
      country: 'Australia',
      created_at: at,
    });
    await insertPerson(trx, {
      id: newUuid(),
      account_id: account.id,
      name_1: 'Demo Pty Ltd',
      name_2: null,
      title: null,
      person_type: 'B',
      contact_number: '61291234567',
      nickname: 'Demo company',
      contact_name_1: 'Citizen',
      contact_name_2: 'Jane',
      birthdate: null,
      created_at: at,
    });
    const destinations: Array<{ route: RouteType; destination: string; description: string }> = [
      { route: 'device', destination: '1000000', description: 'Reception desk phone' },
      { route: 'device', destination: '1000001', description: 'Sales desk phone' },
      { route: 'server', destination: 'sip.demo.example.com', description: 'Office PBX trunk' },
      { route: 'voicemail', destination: '2000', description: 'Main voicemail box' },
    ];
    for (const d of destinations) {
      await insertDestination(trx, { id: newId('dst'), account_id: account.id, enabled: 1, created_at: at, ...d });
    }
  });
  const inventoryAdded = (await countNumbers(db)) === 0 ? await addDemoInventory(deps, at) : 0;
  return { accountId: account.id, createdKey: apiKey, inventoryAdded };
}

async function addDemoInventory(deps: Pick<ServiceDeps, 'database'>, at: string): Promise<number> {
  const rows = demoInventory(at);
  return deps.database.writeTransaction((trx) => insertNumbers(trx, rows));
}
