import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { DialectName } from '../server/src/store/database.js';
import { describeEachDatabase } from './helpers/databases.js';
import { returnQuarantinedNumbers } from '../server/src/services/release-number.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi, IMMEDIATE_RESALE } from './helpers/context.js';
import { assertInvariants, snapshot } from './helpers/invariants.js';

async function owning(t: TestContext, dialect: DialectName, settings = {}) {
  const ctx = await createTestContext(t, dialect, settings);
  const owner = await ctx.createAccount({ balance: 100_00 });
  await ctx.seedNumbers(['0291234567', '0412345678', '0390001234']);
  for (const n of ['0291234567', '0412345678']) {
    const res = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: owner.key, body: purchaseBody(owner, n) });
    assert.equal(res.status, 200);
  }
  return { ctx, owner };
}

const patch = (ctx: TestContextApi, owner: TestAccount, body: Record<string, unknown>) =>
  ctx.call('PATCH', '/api/v1/phone-numbers', { key: owner.key, body });

describeEachDatabase('owned numbers', (dialect) => {
  it('lists and shows the caller’s numbers with their full configuration and filters', async (t) => {
    const { ctx, owner } = await owning(t, dialect);
    const list = await ctx.call('GET', '/api/v1/phone-numbers', { key: owner.key });
    assert.deepEqual(list.body.results.map((n: { did_number: string }) => n.did_number), ['61291234567', '61412345678']);
    const filtered = await ctx.call('GET', '/api/v1/phone-numbers/?number_type=mobile', { key: owner.key });
    assert.deepEqual(filtered.body.results.map((n: { did_number: string }) => n.did_number), ['61412345678']);
    const byNumber = await ctx.call('GET', '/api/v1/phone-numbers?did_number=02%209123%204567', { key: owner.key });
    assert.equal(byNumber.body.results.length, 1);
    const one = await ctx.call('GET', '/api/v1/phone-numbers/0291234567', { key: owner.key });
    assert.equal(one.status, 200);
    assert.equal(one.body.primary_route, 'device');
    assert.equal(one.body.address_id, owner.addressId);
    assert.equal(one.body.block_prefs.block_hidden, false);
    const stranger = await ctx.createAccount();
    const hidden = await ctx.call('GET', '/api/v1/phone-numbers/0291234567', { key: stranger.key });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.code, 'number_not_found');
    assert.deepEqual((await ctx.call('GET', '/api/v1/phone-numbers', { key: stranger.key })).body.results, []);
  });

  it('updates only the fields given, validating routing as a purchase does', async (t) => {
    const { ctx, owner } = await owning(t, dialect);
    const res = await patch(ctx, owner, { did_number: '61291234567', description: 'Support line', primary_timeout: 45 });
    assert.equal(res.status, 200);
    assert.equal(res.body.description, 'Support line');
    assert.equal(res.body.primary_timeout, 45);
    assert.equal(res.body.primary_destination, '1000000', 'fields left out stay as they are');

    const routed = await patch(ctx, owner, {
      did_number: '0291234567',
      primary_route: 'voicemail',
      primary_destination: '2000',
      backup_route: 'forward',
      backup_destination: '(02) 9876 5432',
      block_prefs: { block_hidden: true, block_list: ['0299990000'] },
      max_channels: 4,
      block_premium: true,
    });
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    assert.deepEqual([routed.body.primary_route, routed.body.primary_destination], ['voicemail', '2000']);
    assert.deepEqual([routed.body.backup_route, routed.body.backup_destination], ['forward', '61298765432']);
    assert.equal(routed.body.block_prefs.block_hidden, true);
    assert.equal(routed.body.block_prefs.block_mobile, false);
    assert.deepEqual(routed.body.block_prefs.block_list, ['61299990000']);
    assert.equal(routed.body.description, 'Support line');
    assert.equal(routed.body.block_premium, true);

    const congestion = await patch(ctx, owner, { did_number: '0291234567', primary_route: 'congestion' });
    assert.deepEqual([congestion.body.primary_route, congestion.body.primary_destination], ['congestion', null]);

    const other = await ctx.createAccount();
    const before = await snapshot(ctx.db);
    for (const [body, code] of [
      [{ did_number: '0291234567', primary_route: 'device', primary_destination: '9999999' }, 'invalid_route'],
      [{ did_number: '0291234567', primary_route: 'warp' }, 'invalid_route'],
      [{ did_number: '0291234567', primary_route: 'device' }, 'invalid_route'],
      [{ did_number: '0291234567', address_id: other.addressId }, 'invalid_address'],
      [{ did_number: '0291234567', person_id: 'not-a-uuid' }, 'invalid_person'],
      [{ did_number: '0291234567', sms_routes: { route: 'email', destination: 'a@b.co' } }, 'sms_not_supported'],
      [{ did_number: '0291234567', primary_timeout: 'long' }, 'invalid_request'],
      [{ did_number: '0291234567', block_prefs: { block_list: ['call me'] } }, 'invalid_request'],
      [{ did_number: '0390001234', description: 'not mine' }, 'number_not_found'],
      [{ did_number: 'x', description: 'bad' }, 'invalid_number'],
    ] as const) {
      const r = await patch(ctx, owner, body);
      assert.equal(r.body.code, code, JSON.stringify(body));
      assert.ok(r.status === 400 || r.status === 404, JSON.stringify(body));
    }
    assert.deepEqual(await snapshot(ctx.db), before, 'rejected updates changed nothing');
    const unchanged = await ctx.call('GET', '/api/v1/phone-numbers/61291234567', { key: owner.key });
    assert.equal(unchanged.body.primary_route, 'congestion');
  });

  it('routes SMS only on mobile numbers', async (t) => {
    const { ctx, owner } = await owning(t, dialect);
    const ok = await patch(ctx, owner, { did_number: '0412345678', sms_routes: { route: 'email', destination: 'sms@example.com' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.sms_routes, { route: 'email', destination: 'sms@example.com' });
    const device = await patch(ctx, owner, { did_number: '0412345678', sms_routes: { route: 'device', destination: '1000000' } });
    assert.equal(device.status, 200);
    const bad = await patch(ctx, owner, { did_number: '0412345678', sms_routes: { route: 'email', destination: 'nope' } });
    assert.equal(bad.body.code, 'invalid_route');
    const cleared = await patch(ctx, owner, { did_number: '0412345678', sms_routes: null });
    assert.equal(cleared.body.sms_routes, null);
  });

  it('releases a number into quarantine after its grace days and back to stock when it ends', async (t) => {
    const { ctx, owner } = await owning(t, dialect, { quarantineDays: 30 });
    const res = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: owner.key, body: { did_number: '0291234567' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'DID number successfully released', did_number: '61291234567' });
    assert.deepEqual((await ctx.call('GET', '/api/v1/phone-numbers', { key: owner.key })).body.results.length, 1);
    assert.deepEqual((await ctx.call('GET', '/api/v1/account/verified-cli', { key: owner.key })).body.results, ['61412345678']);
    const during = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/61291234567', { key: owner.key });
    assert.equal(during.status, 404, 'in quarantine');
    assert.equal(await returnQuarantinedNumbers(ctx.deps), 0);
    // BILBY_RELEASE_GRACE_DAYS (7 by default), when only its releaser may take it back, then the quarantine.
    ctx.advanceClock((7 + 29) * 86_400_000);
    assert.equal(await returnQuarantinedNumbers(ctx.deps), 0);
    ctx.advanceClock(1 * 86_400_000 + 1000);
    assert.equal(await returnQuarantinedNumbers(ctx.deps), 1);
    const after = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/61291234567', { key: owner.key });
    assert.equal(after.status, 200);
    assert.equal((await ctx.call('GET', '/api/v1/balance', { key: owner.key })).body.balance, 70, 'nothing refunded');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    const again = await ctx.call('DELETE', '/api/v1/phone-numbers?did_number=0291234567', { key: owner.key });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'number_not_found');
    const missing = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: owner.key });
    assert.equal(missing.body.code, 'invalid_request');
  });

  it('releases straight back to stock with a zero quarantine, by query parameter', async (t) => {
    const { ctx, owner } = await owning(t, dialect, IMMEDIATE_RESALE);
    const res = await ctx.call('DELETE', '/api/v1/phone-numbers/?did_number=%2B61412345678', { key: owner.key });
    assert.equal(res.status, 200);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/0412345678', { key: owner.key })).status, 200);
    const stranger = await ctx.createAccount();
    const theirs = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: stranger.key, body: { did_number: '0291234567' } });
    assert.equal(theirs.status, 404, 'one cannot release another account’s number');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
