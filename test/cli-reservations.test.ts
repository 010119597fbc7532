import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { createTestContext, purchaseBody } from './helpers/context.js';

it('bilby reservations: add (telling which could not be held), list, extend, release; bilby numbers test; bilby buy-many; bilby balance --alert; as a real process', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers(['61291234567', '61291234568'].map((number) => ({ number, setup: 1_00, monthly: 2_00 })));
  const account = await ctx.createAccount({ balance: 50_00 });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const env = { BILBY_BASE_URL: `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, BILBY_API_KEY: account.key, BILBY_CONFIG: '/nonexistent/bilby.json' };
  const cli = async (...args: string[]) => {
    const run = await runCli(['reservations', ...args], env);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  const added = await cli('add', '0291234567', '61291234599', '--minutes', '5');
  assert.match(added, /^NUMBER\s+HELD UNTIL\s+EXTENDABLE UNTIL\n61291234567\s+\S+\s+\S+\nNot held \(not for sale, or held by another account\): 61291234599\n$/);
  const listed = JSON.parse(await cli('list', '--json')).results;
  assert.deepEqual(listed.map((r: { did_number: string }) => r.did_number), ['61291234567']);
  const extended = JSON.parse(await cli('extend', '--minutes', '20', '--json')).results;
  assert.ok(Date.parse(extended[0].expires_at) > Date.parse(listed[0].expires_at));
  const single = await runCli(['reservations', 'add', '61291234599'], env);
  assert.notEqual(single.code, 0);
  assert.match(single.stderr, /number_unavailable/);
  assert.equal(await cli('release'), 'Released 61291234567.\n');
  assert.equal(await cli('list'), '(none)\n');

  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, '61291234568') });
  assert.equal(bought.status, 200);
  const tested = await runCli(['numbers', 'test', '61291234568', '--caller', '0412 345 678'], env);
  assert.equal(tested.code, 0, tested.stderr);
  assert.match(tested.stdout, /^Caller: 61412345678 \(mobile\)\nSTEP\s+ROUTE\s+DESTINATION\s+RINGS \(S\)\s+USABLE\s+PROBLEM\nprimary\s+device\s+1000000\s+-\s+yes\s+-\nThe call rings device 1000000\.\n$/);

  await ctx.seedNumbers(['61291234570', '61291234571', '61291234572'].map((number) => ({ number, setup: 1_00, monthly: 2_00 })));
  const many = await runCli(
    ['buy-many', '--quantity', '2', '--consecutive', '--address', account.addressId, '--owner', account.personId, '--route', 'device', '--destination', '1000000'],
    env,
  );
  assert.equal(many.code, 0, many.stderr);
  assert.match(many.stdout, /^Order blk_\S+: completed, charged \$6\.00\.\nNUMBER\s+OUTCOME\s+REASON\s+CHARGED\n61291234570\s+purchased\s+-\s+\$3\.00\n61291234571\s+purchased\s+-\s+\$3\.00\n$/, 'the first block of two for sale (61291234568 is sold)');

  const alert = await runCli(['balance', '--alert', '12.50'], env);
  assert.equal(alert.code, 0, alert.stderr);
  assert.equal(alert.stdout, 'You will be told (event balance.low) each time your balance falls below $12.50; it is $41.00 now.\n');
  assert.equal((await runCli(['balance', '--alert', 'off'], env)).stdout, 'Low-balance alert off.\n');
});
