import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createApp } from '../server/src/http/app.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants, snapshot } from './helpers/invariants.js';

describeEachDatabase('operator API: accounts and keys', (dialect) => {
  it('refuses requests without the admin key, with a wrong one, with a customer key, and when none is configured', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    for (const headers of [{}, { authorization: 'Bearer wrong-admin-key-000000' }, { 'x-api-key': acc.key }, { 'x-admin-key': acc.key }] as Array<Record<string, string>>) {
      const res = await ctx.call('GET', '/admin/v1/accounts', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.code, 'unauthenticated');
    }
    assert.equal((await ctx.call('GET', '/admin/v1/accounts', { headers: { 'x-admin-key': 'test-admin-key-0123456789' } })).status, 200);
    const closed = await createApp(ctx.deps);
    t.after(() => closed.close());
    const res = await closed.inject({ method: 'GET', url: '/admin/v1/accounts', headers: ADMIN_HEADERS });
    assert.equal(res.statusCode, 401);
    assert.match(res.json().detail, /BILBY_ADMIN_KEY/);
  });

  it('opens an account whose key works at once, lists and shows it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const created = await ctx.admin('POST', '/accounts', { body: { name: 'Acme Telecom', opening_credit: 42.5 } });
    assert.equal(created.status, 201);
    const { account, api_key } = created.body;
    assert.equal(account.name, 'Acme Telecom');
    assert.equal(account.balance, 42.5);
    assert.match(api_key.api_key, /^bilby_live_/);
    assert.equal(api_key.hint, api_key.api_key.slice(-4));
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: api_key.api_key });
    assert.deepEqual([balance.status, balance.body.balance, balance.body.account_code], [200, 42.5, account.account_code]);

    const shown = await ctx.admin('GET', `/accounts/${account.id}`);
    assert.deepEqual(shown.body, account);
    const listed = await ctx.admin('GET', '/accounts?limit=10');
    assert.ok(listed.body.results.some((a: { id: string }) => a.id === account.id));
    assert.equal((await ctx.admin('GET', '/accounts/acc_unknown')).status, 404);
    const bad = await ctx.admin('POST', '/accounts', { body: { name: '', opening_credit: 1.234 } });
    assert.equal(bad.status, 400);
    assert.equal((await ctx.admin('POST', '/accounts', { body: { name: 'X', opening_credit: 1.234 } })).body.errors[0].field, 'opening_credit');
  });

  it('answers 409 upstream_not_configured for an upstream route while the simulated carrier provisions the numbers', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    for (const [method, body] of [['GET', undefined], ['PUT', { route: 'server', destination: 'sip.example.com' }], ['DELETE', undefined]] as const) {
      const answer = await ctx.admin(method, `/accounts/${account.accountId}/upstream-route`, body ? { body } : {});
      assert.deepEqual([answer.status, answer.body.code], [409, 'upstream_not_configured'], method);
    }
    const row = await ctx.db.selectFrom('account').select(['upstream_route', 'upstream_destination']).where('id', '=', account.accountId).executeTakeFirstOrThrow();
    assert.deepEqual(row, { upstream_route: null, upstream_destination: null }, 'nothing written');
  });

  it('suspends an account: its keys get 403 account_suspended until it is reactivated', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const suspended = await ctx.admin('POST', `/accounts/${acc.accountId}/suspend`);
    assert.equal(suspended.body.status, 'suspended');
    const refused = await ctx.call('GET', '/api/v1/balance/', { key: acc.key });
    assert.deepEqual([refused.status, refused.body.code], [403, 'account_suspended']);
    const buy = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '61291234567') });
    assert.equal(buy.status, 403);
    assert.equal((await ctx.admin('GET', '/accounts?status=suspended')).body.results.length, 1);
    await ctx.admin('POST', `/accounts/${acc.accountId}/reactivate`);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: acc.key })).status, 200);
  });

  it('creates keys shown once, lists them without secrets, and revokes one without touching the other', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const second = await ctx.admin('POST', `/accounts/${acc.accountId}/keys`, { body: { label: 'billing system' } });
    assert.equal(second.status, 201);
    assert.equal(second.body.label, 'billing system');
    const noBody = await ctx.admin('POST', `/accounts/${acc.accountId}/keys`);
    assert.equal(noBody.status, 201);
    const list = await ctx.admin('GET', `/accounts/${acc.accountId}/keys`);
    assert.equal(list.body.results.length, 3);
    const text = JSON.stringify(list.body);
    assert.ok(!text.includes(second.body.api_key) && !text.includes('api_key') && !text.includes('hash'));

    const revoked = await ctx.admin('DELETE', `/accounts/${acc.accountId}/keys/${second.body.id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: second.body.api_key })).status, 401);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: acc.key })).status, 200);
    const again = await ctx.admin('DELETE', `/accounts/${acc.accountId}/keys/${second.body.id}`);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at);
    assert.equal((await ctx.admin('DELETE', `/accounts/${acc.accountId}/keys/key_unknown`)).status, 404);
    const other = await ctx.createAccount();
    assert.equal((await ctx.admin('DELETE', `/accounts/${other.accountId}/keys/${noBody.body.id}`)).status, 404);
  });
});

describeEachDatabase('operator API: credits and debits', (dialect) => {
  it('credits and debits with a reason in the ledger; a debit never overdraws; a retried credit counts once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount({ balance: 10_00 });
    const credit = await ctx.admin('POST', `/accounts/${acc.accountId}/credits`, {
      body: { amount: 25.5, reason: 'Bank transfer 1234' },
      headers: { 'idempotency-key': 'credit-1' },
    });
    assert.equal(credit.status, 201);
    assert.deepEqual([credit.body.type, credit.body.amount, credit.body.balance_after, credit.body.description], ['credit', 25.5, 35.5, 'Bank transfer 1234']);
    const retry = await ctx.admin('POST', `/accounts/${acc.accountId}/credits`, {
      body: { amount: 25.5, reason: 'Bank transfer 1234' },
      headers: { 'idempotency-key': 'credit-1' },
    });
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.deepEqual(retry.body, credit.body);

    const before = await snapshot(ctx.db);
    const over = await ctx.admin('POST', `/accounts/${acc.accountId}/debits`, { body: { amount: 35.51, reason: 'Too much' } });
    assert.deepEqual([over.status, over.body.code], [400, 'insufficient_funds']);
    assert.deepEqual(await snapshot(ctx.db), before);
    for (const body of [{ amount: 0, reason: 'zero' }, { amount: -5, reason: 'negative' }, { amount: 1.001, reason: 'fraction' }, { amount: 5 }]) {
      assert.equal((await ctx.admin('POST', `/accounts/${acc.accountId}/debits`, { body })).status, 400, JSON.stringify(body));
    }
    const debit = await ctx.admin('POST', `/accounts/${acc.accountId}/debits`, { body: { amount: 5.5, reason: 'Porting fee' } });
    assert.deepEqual([debit.body.type, debit.body.amount, debit.body.balance_after], ['adjustment', -5.5, 30]);
    const ledger = await ctx.admin('GET', `/accounts/${acc.accountId}/transactions`);
    assert.deepEqual(ledger.body.results.map((r: { description: string }) => r.description), ['Porting fee', 'Bank transfer 1234', 'Opening credit']);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: acc.key })).body.balance, 30);
    assert.equal((await ctx.admin('POST', '/accounts/acc_nobody/credits', { body: { amount: 1, reason: 'x' } })).status, 404);
    await assertInvariants(ctx.db, ctx.carrier);
  });
});

describeEachDatabase('operator API: destinations', (dialect) => {
  it('registers routing targets the customer can then buy with, and guards the ones in use', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    await ctx.seedNumbers(['61291234567']);
    const path = `/accounts/${acc.accountId}/destinations`;
    const forward = await ctx.admin('POST', path, { body: { route: 'forward', destination: '(03) 9123 4567', description: 'Mobile desk' } });
    assert.equal(forward.status, 201);
    assert.deepEqual([forward.body.destination, forward.body.enabled], ['61391234567', true]);
    const ivr = await ctx.admin('POST', path, { body: { route: 'ivr', destination: 'main-menu' } });
    assert.equal(ivr.body.description, 'ivr main-menu');
    for (const [body, field] of [
      [{ route: 'device', destination: '12345' }, 'destination'],
      [{ route: 'forward', destination: '12345' }, 'destination'],
      [{ route: 'server', destination: 'not a host!' }, 'destination'],
      [{ route: 'congestion', destination: 'x' }, 'route'],
    ] as const) {
      const res = await ctx.admin('POST', path, { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.errors[0].field, field);
    }
    assert.equal((await ctx.admin('POST', path, { body: { route: 'forward', destination: '61391234567' } })).body.code, 'already_exists');

    const customerView = await ctx.call('GET', '/api/v1/phone-numbers/destinations/', { key: acc.key });
    assert.ok(customerView.body.results.some((d: { route: string; destination: string }) => d.route === 'ivr' && d.destination === 'main-menu'));
    const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', {
      key: acc.key,
      body: purchaseBody(acc, '61291234567', { primary_route: 'forward', primary_destination: '61391234567' }),
    });
    assert.equal(bought.status, 200);
    const busy = await ctx.admin('DELETE', `${path}/${forward.body.id}`);
    assert.deepEqual([busy.status, busy.body.code], [409, 'in_use']);
    const disabled = await ctx.admin('PATCH', `${path}/${ivr.body.id}`, { body: { enabled: false, description: 'Old menu' } });
    assert.deepEqual([disabled.body.enabled, disabled.body.description], [false, 'Old menu']);
    assert.equal((await ctx.admin('DELETE', `${path}/${ivr.body.id}`)).status, 200);
    assert.equal((await ctx.admin('DELETE', `${path}/${ivr.body.id}`)).status, 404);
    const other = await ctx.createAccount();
    assert.equal((await ctx.admin('DELETE', `/accounts/${other.accountId}/destinations/${forward.body.id}`)).status, 404);
  });
});
