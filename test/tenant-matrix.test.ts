import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newId } from '../server/src/domain/ids.js';
import { insertDestination } from '../server/src/store/destination-store.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { snapshot } from './helpers/invariants.js';

describeEachDatabase('tenant isolation', (dialect) => {
  it('never shows account A anything of B, and every B id A names is refused without a change', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const a = await ctx.createAccount();
    const b = await ctx.createAccount();
    await insertDestination(ctx.db, {
      id: newId('dst'), account_id: b.accountId, route: 'device', destination: '7000007', description: 'B only', enabled: 1, created_at: new Date().toISOString(),
    });
    await ctx.seedNumbers(['0291234567', '0291234568']);
    const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: b.key, body: purchaseBody(b, '0291234567') });
    assert.equal(bought.status, 200);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: a.key, body: purchaseBody(a, '0291234568') })).status, 200);
    const bIds = [b.accountId, b.addressId, b.personId, bought.body.order_id, '61291234567', '7000007'];

    const before = await snapshot(ctx.db);
    const attempts: Array<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown, number, string]> = [
      ['show B’s number', 'GET', '/api/v1/phone-numbers/61291234567', undefined, 404, 'number_not_found'],
      ['show B’s number’s history', 'GET', '/api/v1/phone-numbers/61291234567/history', undefined, 404, 'number_not_found'],
      ['update B’s number', 'PATCH', '/api/v1/phone-numbers', { did_number: '61291234567', description: 'mine' }, 404, 'number_not_found'],
      ['release B’s number', 'DELETE', '/api/v1/phone-numbers', { did_number: '61291234567' }, 404, 'number_not_found'],
      ['show B’s order', 'GET', `/api/v1/phone-numbers/orders/${bought.body.order_id}`, undefined, 404, 'not_found'],
      ['delete B’s address', 'DELETE', `/api/v1/account/address/${b.addressId}`, undefined, 404, 'not_found'],
      ['delete B’s person', 'DELETE', `/api/v1/account/person/${b.personId}`, undefined, 404, 'not_found'],
      ['buy with B’s address', 'POST', '/api/v1/phone-numbers/purchase', purchaseBody(a, '0291234567', { did_number: '0291234569', address_id: b.addressId }), 400, 'invalid_address'],
      ['buy with B’s person', 'POST', '/api/v1/phone-numbers/purchase', purchaseBody(a, '0291234569', { person_id: b.personId }), 400, 'invalid_person'],
      ['buy routed to B’s device', 'POST', '/api/v1/phone-numbers/purchase', purchaseBody(a, '0291234569', { primary_destination: '7000007' }), 400, 'invalid_route'],
      ['buy B’s number', 'POST', '/api/v1/phone-numbers/purchase', purchaseBody(a, '0291234567'), 404, 'number_unavailable'],
      ['put B’s address on A’s number', 'PATCH', '/api/v1/phone-numbers', { did_number: '0291234568', address_id: b.addressId }, 400, 'invalid_address'],
      ['put B’s person on A’s number', 'PATCH', '/api/v1/phone-numbers', { did_number: '0291234568', person_id: b.personId }, 400, 'invalid_person'],
      ['route A’s number to B’s device', 'PATCH', '/api/v1/phone-numbers', { did_number: '0291234568', primary_route: 'device', primary_destination: '7000007' }, 400, 'invalid_route'],
      ['back up A’s number to B’s device', 'PATCH', '/api/v1/phone-numbers', { did_number: '0291234568', backup_route: 'device', backup_destination: '7000007' }, 400, 'invalid_route'],
    ];
    for (const [name, method, url, body, status, code] of attempts) {
      const res = await ctx.call(method, url, { key: a.key, body });
      assert.deepEqual([res.status, res.body.code], [status, code], name);
    }
    assert.deepEqual(await snapshot(ctx.db), before, 'nothing changed');

    for (const url of [
      '/api/v1/phone-numbers', '/api/v1/phone-numbers/addresses', '/api/v1/phone-numbers/owners', '/api/v1/phone-numbers/destinations',
      '/api/v1/phone-numbers/orders', '/api/v1/account/transactions', '/api/v1/account/verified-cli', '/api/v1/balance',
    ]) {
      const res = await ctx.call('GET', url, { key: a.key });
      assert.equal(res.status, 200, url);
      const text = JSON.stringify(res.body);
      for (const id of bIds) assert.equal(text.includes(id), false, `${url} shows B's ${id}`);
    }
  });
});
