import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dollarsToCents } from '../server/src/domain/money.js';
import { encodeFieldName } from '../server/src/http/ignored-fields.js';
import { jsonDepthExceeds } from '../server/src/http/json-body.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

/** Field names no header may carry as they are: above U+00FF, line breaks, NUL, a lone surrogate. */
const UNWRITABLE_NAMES = ['Ā', 'naïve\u2028', 'line\nbreak', 'nul\u0000', '\ud800', 'emoji😀', 'a,b%'];

describeEachDatabase('answers computed after a commit', (dialect) => {
  it('names ignored fields whatever their characters, and a credit sent twice under one key posts once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount({ balance: 0 });
    const body = { amount: 10, reason: 'Invoice 12', ...Object.fromEntries(UNWRITABLE_NAMES.map((n) => [n, 1])) };
    const answers = [];
    for (let i = 0; i < 2; i++) {
      answers.push(
        await ctx.admin('POST', `/accounts/${account.accountId}/credits`, { body, headers: { 'idempotency-key': 'credit-12' } }),
      );
    }
    for (const answer of answers) {
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.headers['bilby-ignored-fields'], UNWRITABLE_NAMES.map(encodeFieldName).join(', '));
    }
    assert.deepEqual(answers[1]!.body, answers[0]!.body);
    assert.equal(answers[1]!.headers['idempotent-replayed'], 'true');
    const balance = await ctx.call('GET', '/api/v1/balance', { key: account.key });
    assert.equal(balance.body.balance, 10, 'credited once');
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('answers a purchase with unwritable ignored field names 200, with and without a key', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }, { number: '0291234568', setup: 5_00, monthly: 10_00 }]);
    const extra = Object.fromEntries(UNWRITABLE_NAMES.map((n) => [n, 'x']));
    const plain = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '0291234567', extra) });
    const keyed = await ctx.call('POST', '/api/v1/phone-numbers/purchase', {
      key: buyer.key,
      body: purchaseBody(buyer, '0291234568', extra),
      headers: { 'idempotency-key': 'buy-68' },
    });
    for (const answer of [plain, keyed]) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.match(String(answer.headers['bilby-ignored-fields']), /^%C4%80, /);
    }
    const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
    assert.equal(balance.body.balance, 20);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('lists at most 1 KiB of ignored names and counts the rest', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    const names = Array.from({ length: 400 }, (_, i) => `unknown_field_${i}`);
    const answer = await ctx.call('POST', '/api/v1/account/address', {
      key: account.key,
      body: { city: 'Sydney', state: 'NSW', postcode: '2000', ...Object.fromEntries(names.map((n) => [n, 1])) },
    });
    assert.equal(answer.status, 201);
    const listed = String(answer.headers['bilby-ignored-fields']).split(', ');
    assert.ok(String(answer.headers['bilby-ignored-fields']).length <= 1024);
    assert.deepEqual(listed, names.slice(0, listed.length));
    assert.equal(Number(answer.headers['bilby-ignored-fields-omitted']), names.length - listed.length);
  });

  it('refuses a body nested deeper than 32 levels on every write operation, with and without a key', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    const doc = (await ctx.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const deep = `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) => ['post', 'patch', 'put', 'delete'].includes(m))) {
        const url = path.replace(/\{account_id\}/, account.accountId).replace(/\{\w+\}/g, 'x');
        const auth = path.startsWith('/admin/') ? ADMIN_HEADERS : { 'x-api-key': account.key };
        for (const key of [{}, { 'idempotency-key': `deep-${checked}` }]) {
          const res = await ctx.app.inject({
            method: method.toUpperCase() as 'POST',
            url,
            payload: deep,
            headers: { 'content-type': 'application/json', ...auth, ...key },
          });
          assert.equal(res.statusCode, 400, `${method} ${path}: ${res.body}`);
          assert.equal(res.json().code, 'invalid_request');
          checked++;
        }
      }
    }
    assert.ok(checked >= 46, `${checked} requests`);
    const shallow = await ctx.call('POST', '/api/v1/account/address', {
      key: account.key,
      body: { city: 'Sydney', state: 'NSW', postcode: '2000', nickname: null, x: JSON.parse(`${'['.repeat(31)}${']'.repeat(31)}`) },
    });
    assert.equal(shallow.status, 201, '32 levels are fine');
  });

  it('refuses a NUL in any text a route reads, naming the field, and stores nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    await ctx.seedNumbers(['0291234567']);
    const cases: Array<[string, 'POST' | 'PATCH', string, Record<string, unknown>, string]> = [
      ['customer', 'POST', '/api/v1/account/person', { name_1: 'Citizen', name_2: 'Ja\u0000ne', person_type: 'R' }, 'name_2'],
      ['customer', 'POST', '/api/v1/account/address', { city: 'Sydney\u0000', state: 'NSW', postcode: '2000' }, 'city'],
      ['customer', 'POST', '/api/v1/phone-numbers/purchase', purchaseBody(account, '0291234567', { description: '\u0000' }), 'description'],
      ['operator', 'POST', '/admin/v1/accounts', { name: 'Reseller\u0000' }, 'name'],
      ['operator', 'POST', `/admin/v1/accounts/${account.accountId}/credits`, { amount: 1, reason: 'Top\u0000up' }, 'reason'],
    ];
    const before = await ctx.db.selectFrom('ledger_entry').select('transaction_id').execute();
    for (const [who, method, url, body, field] of cases) {
      const headers = { 'content-type': 'application/json', ...(who === 'operator' ? ADMIN_HEADERS : { 'x-api-key': account.key }) };
      const res = await ctx.app.inject({ method, url, headers, payload: JSON.stringify(body) });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.deepEqual([res.json().code, res.json().errors?.[0]?.field], ['invalid_request', field]);
    }
    assert.equal((await ctx.db.selectFrom('ledger_entry').select('transaction_id').execute()).length, before.length);
    assert.equal((await ctx.db.selectFrom('purchase_order').select('id').execute()).length, 0);
    assert.equal((await ctx.db.selectFrom('person').select('id').where('account_id', '=', account.accountId).execute()).length, 1);
  });

  it('never stores an answer holding an API key: a retry is told what its key created instead', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const headers = { 'idempotency-key': 'open-1' };
    const opened = await ctx.admin('POST', '/accounts', { body: { name: 'Keyed Pty Ltd', opening_credit: 5 }, headers });
    assert.equal(opened.status, 201);
    const secret = String(opened.body.api_key.api_key);
    const again = await ctx.admin('POST', '/accounts', { body: { name: 'Keyed Pty Ltd', opening_credit: 5 }, headers });
    assert.deepEqual([again.status, again.body.code], [409, 'already_exists']);
    assert.match(again.body.detail, new RegExp(opened.body.account.id));
    const issued = await ctx.admin('POST', `/accounts/${opened.body.account.id}/keys`, { body: { label: 'ci' }, headers: { 'idempotency-key': 'key-1' } });
    assert.equal(issued.status, 201);
    const reissued = await ctx.admin('POST', `/accounts/${opened.body.account.id}/keys`, { body: { label: 'ci' }, headers: { 'idempotency-key': 'key-1' } });
    assert.deepEqual([reissued.status, reissued.body.code], [409, 'already_exists']);
    const records = JSON.stringify(await ctx.db.selectFrom('idempotency_record').selectAll().execute());
    assert.ok(!records.includes(secret) && !records.includes(String(issued.body.api_key)), 'no API key in the idempotency records');
    assert.equal((await ctx.db.selectFrom('account').select('id').where('name', '=', 'Keyed Pty Ltd').execute()).length, 1);
  });

  it('treats a retry that adds an ignored field as the same request', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    const headers = { 'idempotency-key': 'retry-with-more' };
    const first = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '0291234567'), headers });
    const again = await ctx.call('POST', '/api/v1/phone-numbers/purchase', {
      key: buyer.key,
      body: { client_version: '2.1', ...purchaseBody(buyer, '0291234567') },
      headers,
    });
    assert.equal(first.status, 200);
    assert.deepEqual([again.status, again.body, again.headers['idempotent-replayed']], [200, first.body, 'true']);
    const changed = await ctx.call('POST', '/api/v1/phone-numbers/purchase', {
      key: buyer.key,
      body: purchaseBody(buyer, '0291234567', { description: 'Another line' }),
      headers,
    });
    assert.equal(changed.status, 422, 'a field the route reads still changes the request');
  });

  it('refuses amounts finer than a cent, or below one, on every money input, writing nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount({ balance: 10_00 });
    await ctx.seedNumbers(['0291234567']);
    const before = await ctx.db.selectFrom('ledger_entry').select('transaction_id').execute();
    for (const amount of [1e-9, 0.001, 0.005, 5e-324, 1e-7, 10.001, 0.0100000001]) {
      for (const direction of ['credits', 'debits']) {
        const answer = await ctx.admin('POST', `/accounts/${account.accountId}/${direction}`, { body: { amount, reason: 'tiny' } });
        assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], `${direction} of ${amount}`);
      }
      const opening = await ctx.admin('POST', '/accounts', { body: { name: 'Tiny', opening_credit: amount } });
      assert.deepEqual([opening.status, opening.body.code], [400, 'invalid_request'], `opening credit of ${amount}`);
      for (const path of ['/numbers/0291234567/price', '/prices/geographic']) {
        const price = await ctx.admin('PUT', path, { body: { setup_cost: amount, monthly_cost: 1 } });
        assert.deepEqual([price.status, price.body.code], [400, 'invalid_request'], `${path} of ${amount}`);
      }
    }
    assert.equal((await ctx.db.selectFrom('ledger_entry').select('transaction_id').execute()).length, before.length, 'no ledger entry written');
    assert.equal((await ctx.db.selectFrom('account').select('id').where('name', '=', 'Tiny').execute()).length, 0);
    const fine = await ctx.admin('POST', `/accounts/${account.accountId}/credits`, { body: { amount: 0.1 + 0.2, reason: 'float sum' } });
    assert.deepEqual([fine.status, fine.body.amount], [201, 0.3], "a client's 0.1 + 0.2 is 30 cents");
  });
});

it('reads dollars as whole cents only', () => {
  for (const [dollars, cents] of [
    [12.34, 1234],
    [0.1 + 0.2, 30],
    [0.29, 29],
    [10_000_000.01, 1_000_000_001],
    [-0, 0],
    [1.005, null],
    [1e-9, null],
    [5e-324, null],
    [Number.MAX_VALUE, null],
  ] as const) {
    assert.equal(dollarsToCents(dollars), cents, String(dollars));
  }
});

it('measures JSON nesting outside strings only', () => {
  assert.equal(jsonDepthExceeds('[[[]]]', 3), false);
  assert.equal(jsonDepthExceeds('[[[[]]]]', 3), true);
  assert.equal(jsonDepthExceeds('{"a":"[[[[[[\\"[[[["}', 1), false);
  assert.equal(jsonDepthExceeds('{"a":{"b":[1]}}', 2), true);
});
