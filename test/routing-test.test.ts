import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext, purchaseBody, type TestContextApi, type TestAccount } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const NUMBER = '61291234501';

const test = (ctx: TestContextApi, account: TestAccount, caller: string | null | undefined, did = NUMBER) =>
  ctx.call('POST', `/api/v1/phone-numbers/${did}/test`, { key: account.key, body: caller === undefined ? {} : { caller } });

describeEachDatabase('routing test', (dialect) => {
  it('resolves an inbound call through the block preferences and each step, telling which destinations exist and are enabled, changing nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owner = await ctx.createAccount({ balance: 100_00 });
    const stranger = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 2_50, monthly: 10_00 }]);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: owner.key, body: purchaseBody(owner, NUMBER) })).status, 200);
    const routed = await ctx.call('PATCH', '/api/v1/phone-numbers', {
      key: owner.key,
      body: {
        did_number: NUMBER,
        primary_timeout: 20,
        backup_route: 'voicemail',
        backup_destination: '2000',
        block_prefs: { block_hidden: true, block_international: true, block_list: ['61400000'], allow_list: ['61400000001'], route: 'voicemail', destination: '2000' },
      },
    });
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    const before = (await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}`, { key: owner.key })).body;

    const mobile = await test(ctx, owner, '0412 345 678');
    assert.equal(mobile.status, 200, JSON.stringify(mobile.body));
    assert.deepEqual(mobile.body.caller, { number: '61412345678', kind: 'mobile' });
    assert.deepEqual([mobile.body.blocked, mobile.body.block_rule, mobile.body.answered_by], [false, null, 'primary']);
    assert.deepEqual(
      mobile.body.steps.map((s: Record<string, unknown>) => [s.step, s.route, s.destination, s.timeout_seconds, s.destination_exists, s.destination_enabled, s.usable]),
      [
        ['primary', 'device', '1000000', 20, true, true, true],
        ['backup', 'voicemail', '2000', null, true, true, true],
      ],
    );
    assert.equal(mobile.body.outcome, 'The call rings device 1000000. If unanswered within 20 s, it goes to voicemail 2000.');

    const hidden = await test(ctx, owner, undefined);
    assert.deepEqual([hidden.body.caller.kind, hidden.body.blocked, hidden.body.block_rule, hidden.body.answered_by], ['hidden', true, 'block_hidden', 'blocked']);
    assert.equal(hidden.body.outcome, 'Blocked by block_hidden: the call goes to voicemail 2000.');
    const abroad = await test(ctx, owner, '+44 20 7946 0958');
    assert.deepEqual([abroad.body.caller.kind, abroad.body.block_rule], ['international', 'block_international']);
    const listed = await test(ctx, owner, '+61 400 000 002');
    assert.deepEqual([listed.body.blocked, listed.body.block_rule], [true, 'block_list']);
    const allowed = await test(ctx, owner, '0400 000 001');
    assert.deepEqual([allowed.body.blocked, allowed.body.block_rule], [false, 'allow_list'], 'the allow list wins over the block list');
    const nonsense = await test(ctx, owner, 'not a number');
    assert.deepEqual([nonsense.body.caller.kind, nonsense.body.blocked], ['invalid', false], 'block_invalid is off');

    // The operator disables the device: the primary step cannot take the call, the backup does at once.
    const destinations = await ctx.admin('GET', `/accounts/${owner.accountId}/destinations`);
    const device = destinations.body.results.find((d: { route: string; destination: string }) => d.route === 'device' && d.destination === '1000000');
    assert.equal((await ctx.admin('PATCH', `/accounts/${owner.accountId}/destinations/${device.id}`, { body: { enabled: false } })).status, 200);
    const disabled = await test(ctx, owner, '0412 345 678');
    assert.deepEqual(
      [disabled.body.steps[0].usable, disabled.body.steps[0].destination_enabled, disabled.body.steps[0].problem, disabled.body.answered_by],
      [false, false, 'the device destination 1000000 is disabled', 'backup'],
    );
    assert.equal(disabled.body.outcome, 'The primary step is skipped (the device destination 1000000 is disabled). The call rings voicemail 2000.');

    assert.deepEqual((await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}`, { key: owner.key })).body, before, 'the test changed nothing');
    const other = await test(ctx, stranger, '0412 345 678');
    assert.deepEqual([other.status, other.body.code], [404, 'number_not_found']);
    const malformed = await test(ctx, owner, '0412 345 678', 'nonsense');
    assert.deepEqual([malformed.status, malformed.body.code], [400, 'invalid_number']);
  });
});
