import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { observeStatements } from '../server/src/store/sqlite/sql-observer.js';
import { describeEachDatabase } from './helpers/databases.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { snapshot } from './helpers/invariants.js';

describeEachDatabase('addresses and owners', (dialect) => {
  it('creates an address with CrazyTel’s fields and lists it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const res = await ctx.call('POST', '/api/v1/account/address/', {
      key: acc.key,
      body: { city: 'Melbourne', state: 'vic', postcode: '3000', street_number_first: '1', street_name: 'Collins St', unit_number: '4' },
    });
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([res.body.state, res.body.country, res.body.street_name, res.body.level_number], ['VIC', 'Australia', 'Collins St', null]);
    const list = await ctx.call('GET', '/api/v1/phone-numbers/addresses', { key: acc.key });
    assert.ok(list.body.results.some((a: { id: string }) => a.id === res.body.id));
    const paged = await ctx.call('GET', '/api/v1/phone-numbers/addresses?limit=1', { key: acc.key });
    assert.equal(paged.body.results.length, 1);
    const next = await ctx.call('GET', `/api/v1/phone-numbers/addresses?limit=1&cursor=${paged.body.next_cursor}`, { key: acc.key });
    assert.notEqual(next.body.results[0].id, paged.body.results[0].id);
  });

  it('rejects bad addresses and persons with the field named, creating nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const before = await snapshot(ctx.db);
    for (const [url, body, field] of [
      ['/api/v1/account/address', { city: 'Sydney', state: 'NSW' }, 'postcode'],
      ['/api/v1/account/address', { city: 'Sydney', state: 'XYZ', postcode: '2000' }, 'state'],
      ['/api/v1/account/address', { city: 'Sydney', state: 'NSW', postcode: '20000' }, 'postcode'],
      ['/api/v1/account/person', { name_1: 'Smith', person_type: 'Z' }, 'person_type'],
      ['/api/v1/account/person', { name_1: 'Smith', person_type: 'R' }, 'name_2'],
      ['/api/v1/account/person', { name_1: 'Smith', name_2: 'Al', person_type: 'R', birthdate: '1990-02-30' }, 'birthdate'],
      ['/api/v1/account/person', { name_1: 'Smith Pty', person_type: 'B', contact_number: 'call me' }, 'contact_number'],
    ] as const) {
      const res = await ctx.call('POST', url, { key: acc.key, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(res.body.errors[0].field, field, JSON.stringify(body));
    }
    assert.deepEqual(await snapshot(ctx.db), before);
  });

  it('creates a person and refuses to delete an address or person a number uses (409 in_use)', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    await ctx.seedNumbers(['0291234567']);
    const person = await ctx.call('POST', '/api/v1/account/person/', {
      key: acc.key,
      body: { name_1: 'Nguyen', name_2: 'Anh', title: 'Ms', person_type: 'R', contact_number: '0412 345 678', birthdate: '1988-04-12' },
    });
    assert.equal(person.status, 201);
    assert.equal(person.body.contact_number, '61412345678');
    const owners = await ctx.call('GET', '/api/v1/phone-numbers/owners/', { key: acc.key });
    assert.equal(owners.body.results.length, 2);

    const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', {
      key: acc.key,
      body: purchaseBody(acc, '0291234567', { person_id: person.body.id }),
    });
    assert.equal(bought.status, 200);
    const inUse = await ctx.call('DELETE', `/api/v1/account/person/${person.body.id}`, { key: acc.key });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.code, 'in_use');
    const addressInUse = await ctx.call('DELETE', `/api/v1/account/address/${acc.addressId}/`, { key: acc.key });
    assert.equal(addressInUse.status, 409);

    const stranger = await ctx.createAccount();
    const foreign = await ctx.call('DELETE', `/api/v1/account/person/${stranger.personId}`, { key: acc.key });
    assert.equal(foreign.status, 404);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/owners', { key: stranger.key })).body.results.length, 1);
    const malformed = await ctx.call('DELETE', '/api/v1/account/person/not-a-uuid', { key: acc.key });
    assert.equal(malformed.status, 404);

    assert.equal((await ctx.call('DELETE', '/api/v1/phone-numbers', { key: acc.key, body: { did_number: '0291234567' } })).status, 200);
    const freed = await ctx.call('DELETE', `/api/v1/account/person/${person.body.id}`, { key: acc.key });
    assert.equal(freed.status, 200);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/owners/', { key: acc.key })).body.results.length, 1);
  });

  it('asks whether an owned number names a record through an index, not by reading every number', { skip: dialect !== 'sqlite' && 'SQLite query plans' }, async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    await ctx.seedNumbers(['0291234567']);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '0291234567') })).status, 200);
    for (const [kind, id] of [['person', acc.personId], ['address', acc.addressId]] as const) {
      const asked: Array<{ text: string; parameters: readonly unknown[] }> = [];
      const stop = observeStatements((text, parameters) => {
        if (/from "phone_number" where "\w+_id" = \?/.test(text)) asked.push({ text, parameters });
      });
      const res = await ctx.call('DELETE', `/api/v1/account/${kind}/${id}`, { key: acc.key });
      stop();
      assert.equal(res.status, 409);
      assert.equal(asked.length, 1, `one in-use question about the ${kind}`);
      const plan = await ctx.database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${asked[0]!.text}`, [...asked[0]!.parameters]));
      const details = plan.rows.map((row) => row.detail);
      assert.ok(details.includes(`SEARCH phone_number USING INDEX phone_number_by_${kind} (${kind}_id=?)`), details.join(' | '));
    }
  });

  it('lists destinations with the terminal congestion route and never another account’s', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const res = await ctx.call('GET', '/api/v1/phone-numbers/destinations/', { key: acc.key });
    assert.deepEqual(
      res.body.results.map((d: { route: string; destination: string | null }) => [d.route, d.destination]),
      [['device', '1000000'], ['server', 'pbx.example.com'], ['forward', '61298765432'], ['voicemail', '2000'], ['congestion', null]],
    );
  });

  it('pages destinations with limit and cursor like every other list, the terminal route on the last page', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const url = '/api/v1/phone-numbers/destinations/';
    const pairs = (body: { results: Array<{ route: string; destination: string | null }> }) => body.results.map((d) => [d.route, d.destination]);
    const whole = await ctx.call('GET', url, { key: acc.key });
    assert.equal(whole.body.next_cursor, null);

    const first = await ctx.call('GET', `${url}?limit=2`, { key: acc.key });
    assert.deepEqual(pairs(first.body), [['device', '1000000'], ['server', 'pbx.example.com']]);
    const second = await ctx.call('GET', `${url}?limit=2&cursor=${first.body.next_cursor}`, { key: acc.key });
    assert.deepEqual(pairs(second.body), [['forward', '61298765432'], ['voicemail', '2000']]);
    const last = await ctx.call('GET', `${url}?limit=2&cursor=${second.body.next_cursor}`, { key: acc.key });
    assert.deepEqual([pairs(last.body), last.body.next_cursor], [[['congestion', null]], null]);
    assert.deepEqual([...pairs(first.body), ...pairs(second.body), ...pairs(last.body)], pairs(whole.body));

    // The cursor names the last entry shown, so removing the next one does not skip a page's first.
    const forward = (await ctx.admin('GET', `/accounts/${acc.accountId}/destinations`)).body.results.find(
      (d: { route: string }) => d.route === 'forward',
    );
    assert.equal((await ctx.admin('DELETE', `/accounts/${acc.accountId}/destinations/${forward.id}`)).status, 200);
    const after = await ctx.call('GET', `${url}?limit=2&cursor=${first.body.next_cursor}`, { key: acc.key });
    assert.deepEqual(pairs(after.body), [['voicemail', '2000'], ['congestion', null]]);

    const bad = await ctx.call('GET', `${url}?cursor=djE6bm90LWpzb24`, { key: acc.key });
    assert.deepEqual([bad.status, bad.body.code, bad.body.errors?.[0]?.field], [400, 'invalid_request', 'cursor']);
    const tooMany = await ctx.call('GET', `${url}?limit=1001`, { key: acc.key });
    assert.deepEqual([tooMany.status, tooMany.body.errors?.[0]?.field], [400, 'limit']);
  });
});

describeEachDatabase('orders and ledger', (dialect) => {
  it('records failed and completed orders, newest first, with a ledger that sums to the balance', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 1_00, monthly: 2_00 }, { number: '0291234568', setup: 0, monthly: 3_50 }]);
    ctx.carrier.inject({ kind: 'fail' });
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '0291234567') })).status, 500);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '0291234567') })).status, 200);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '0291234568') })).status, 200);
    const orders = await ctx.call('GET', '/api/v1/phone-numbers/orders/', { key: acc.key });
    assert.deepEqual(
      orders.body.results.map((o: { did_number: string; status: string; amount: number }) => [o.did_number, o.status, o.amount]),
      [['61291234568', 'completed', 3.5], ['61291234567', 'completed', 3], ['61291234567', 'failed', 3]],
    );
    const txns = await ctx.call('GET', '/api/v1/account/transactions', { key: acc.key });
    const total = txns.body.results.reduce((sum: number, x: { amount: number }) => sum + Math.round(x.amount * 100), 0);
    assert.equal(total, 93_50);
    assert.equal(txns.body.results[0].balance_after, 93.5);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: acc.key })).body.balance, 93.5);
    const stranger = await ctx.createAccount();
    const foreign = await ctx.call('GET', `/api/v1/phone-numbers/orders/${orders.body.results[0].order_id}`, { key: stranger.key });
    assert.equal(foreign.status, 404);
    assert.deepEqual((await ctx.call('GET', '/api/v1/phone-numbers/orders', { key: stranger.key })).body.results, []);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/orders/garbage', { key: acc.key })).status, 404);
  });
});
