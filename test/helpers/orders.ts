import assert from 'node:assert/strict';
import { newId } from '../../server/src/domain/ids.js';
import { holdFunds } from '../../server/src/store/account-store.js';
import { insertHold } from '../../server/src/store/hold-store.js';
import { insertNumbers, reserveNumber } from '../../server/src/store/number-store.js';
import { insertOrder } from '../../server/src/store/order-store.js';
import type { TestContextApi } from './context.js';

let numberSeq = 0;

/** Reserves a fresh number for an order and holds its price, as the saga's first step does. */
export async function placeHold(ctx: TestContextApi, accountId: string, addressId: string, personId: string, cents: number): Promise<string | null> {
  const at = new Date().toISOString();
  const did = `6129${String(1_000_000 + numberSeq++).padStart(7, '0')}`;
  await insertNumbers(ctx.db, [
    { did_number: did, country: 'AU', number_type: 'geographic', state: 'NSW', city: 'Sydney', area_code: '02', setup_cost_cents: 0, monthly_cost_cents: cents, status: 'available', block_premium: 0, created_at: at, updated_at: at },
  ]);
  return ctx.database.writeTransaction(async (trx) => {
    const orderId = newId('ord');
    if (!(await holdFunds(trx, accountId, cents))) return null;
    assert.ok(await reserveNumber(trx, did, accountId, orderId, at));
    await insertOrder(trx, {
      id: orderId, account_id: accountId, did_number: did, status: 'pending', amount_cents: cents, setup_cost_cents: 0,
      monthly_cost_cents: cents, address_id: addressId, person_id: personId, primary_route: 'device', primary_destination: '1000000',
      description: null, failure_code: null, carrier_reference: null, upstream_setup_cost_cents: null, upstream_monthly_cost_cents: null, created_at: at, updated_at: at, completed_at: null, actor: 'api_key:key_buyer', request_id: 'req_buyer',
    });
    await insertHold(trx, { id: newId('hld'), accountId, orderId, amountCents: cents, at });
    return orderId;
  });
}

