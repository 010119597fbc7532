import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId, newUuid } from '../server/src/domain/ids.js';
import { insertDestination } from '../server/src/store/destination-store.js';
import { insertAddress } from '../server/src/store/ipnd-store.js';
import { describeEachDatabase } from './helpers/databases.js';
import { createTestContext, purchaseBody, type CallResult } from './helpers/context.js';

const ROUNDS = 25;

/** Starts the deleting side a little later in some rounds, so that either side gets in first. */
async function later<T>(round: number, run: () => Promise<T>): Promise<T> {
  await sleep(round % 5);
  return run();
}

/**
 * A purchase relies on the address, owner and destination it names; deleting one of them races it.
 * Exactly one of the two may win each round, and no number or pending order may end up naming a
 * record that is gone. The two sides run on separate connections (a second app), as two server
 * processes would; on PostgreSQL the purchase runs READ COMMITTED and holds its references with
 * row locks.
 */
describeEachDatabase('purchases racing the deletion of what they name', (dialect) => {
  it('an address: the purchase wins and the delete answers 409, or the delete wins and the purchase 400', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { app: peer } = await ctx.createPeerApp();
    const buyer = await ctx.createAccount({ balance: 10_000_00 });
    const numbers = Array.from({ length: ROUNDS }, (_, i) => `0291${String(200_000 + i).padStart(6, '0')}`);
    await ctx.seedNumbers(numbers);
    const wins = { purchase: 0, delete: 0 };
    for (const [round, number] of numbers.entries()) {
      const addressId = newUuid();
      await insertAddress(ctx.database.db, { id: addressId, account_id: buyer.accountId, city: 'Sydney', state: 'NSW', postcode: '2000', country: 'Australia', created_at: new Date().toISOString() });
      const [bought, deleted] = await Promise.all([
        peer.inject({ method: 'POST', url: '/api/v1/phone-numbers/purchase', headers: { 'x-crazytel-api-key': buyer.key }, payload: purchaseBody(buyer, number, { address_id: addressId }) }),
        later(round, () => ctx.call('DELETE', `/api/v1/account/address/${addressId}/`, { key: buyer.key })),
      ]);
      if (bought.statusCode === 200) {
        assert.equal(deleted.status, 409, `the purchase won, so the delete must see the address in use: ${JSON.stringify(deleted.body)}`);
        wins.purchase++;
      } else {
        assert.equal(bought.statusCode, 400, bought.body);
        assert.equal(bought.json().code, 'invalid_address');
        assert.ok(deleted.status === 204 || deleted.status === 200, `the delete won: ${JSON.stringify(deleted.body)}`);
        wins.delete++;
      }
    }
    const orphans = await ctx.database.db
      .selectFrom('phone_number')
      .leftJoin('address', 'address.id', 'phone_number.address_id')
      .select('phone_number.did_number')
      .where('phone_number.status', 'in', ['reserved', 'active'])
      .where('address.id', 'is', null)
      .execute();
    assert.deepEqual(orphans, [], 'no owned number names a deleted address');
    assert.equal(wins.purchase + wins.delete, ROUNDS);
  });

  it('a destination: the purchase wins and the removal answers 409, or the removal wins and the purchase 400', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { app: peer } = await ctx.createPeerApp();
    const buyer = await ctx.createAccount({ balance: 10_000_00 });
    const numbers = Array.from({ length: ROUNDS }, (_, i) => `0291${String(300_000 + i).padStart(6, '0')}`);
    await ctx.seedNumbers(numbers);
    for (const [i, number] of numbers.entries()) {
      const device = String(3_000_000 + i);
      const destinationId = newId('dst');
      await insertDestination(ctx.database.db, { id: destinationId, account_id: buyer.accountId, route: 'device', destination: device, description: 'racing', enabled: 1, created_at: new Date().toISOString() });
      const [bought, removed]: [Awaited<ReturnType<typeof peer.inject>>, CallResult] = await Promise.all([
        peer.inject({ method: 'POST', url: '/api/v1/phone-numbers/purchase', headers: { 'x-crazytel-api-key': buyer.key }, payload: purchaseBody(buyer, number, { primary_destination: device }) }),
        later(i, () => ctx.admin('DELETE', `/accounts/${buyer.accountId}/destinations/${destinationId}`)),
      ]);
      if (bought.statusCode === 200) {
        assert.equal(removed.status, 409, `the purchase won, so the removal must see the destination in use: ${JSON.stringify(removed.body)}`);
      } else {
        assert.equal(bought.statusCode, 400, bought.body);
        assert.equal(bought.json().code, 'invalid_route');
        assert.ok(removed.status === 200 || removed.status === 204, `the removal won: ${JSON.stringify(removed.body)}`);
      }
    }
    const orphans = await ctx.database.db
      .selectFrom('phone_number')
      .leftJoin('destination', (join) =>
        join.onRef('destination.account_id', '=', 'phone_number.account_id').onRef('destination.destination', '=', 'phone_number.primary_destination'),
      )
      .select('phone_number.did_number')
      .where('phone_number.status', '=', 'active')
      .where('phone_number.primary_route', '=', 'device')
      .where('destination.id', 'is', null)
      .execute();
    assert.deepEqual(orphans, [], 'no number routes to a removed destination');
  });
});
