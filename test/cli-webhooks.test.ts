import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { verifyWebhook } from '../sdk/src/index.js';
import { deliverDueWebhooks } from '../server/src/services/deliver-webhooks.js';
import { createWebhookPoster } from '../server/src/services/post-webhook.js';
import { runCli } from './helpers/cli.js';
import { createTestContext, purchaseBody, TEST_WEBHOOK_SETTINGS } from './helpers/context.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

it('bilby webhooks: add (its secret printed once), list, show, update, attempts, rotate-secret, replay, remove, as a real process', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const receiver = await startWebhookReceiver(t);
  await ctx.seedNumbers([{ number: '61291234567', setup: 1_00, monthly: 2_00 }]);
  const account = await ctx.createAccount({ balance: 50_00 });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const env = { BILBY_BASE_URL: `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, BILBY_API_KEY: account.key, BILBY_CONFIG: '/nonexistent/bilby.json' };
  const cli = async (...args: string[]) => {
    const run = await runCli(['webhooks', ...args], env);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  const added = await cli('add', receiver.url, '--events', 'number.purchased, number.updated', '--description', 'CRM');
  const secret = /signing secret: (whsec_\S+)\n/.exec(added)?.[1];
  assert.ok(secret, added);
  assert.match(added, /Keep this signing secret: it is not shown again\./);
  const id = /^id:\s+(whe_\S+)$/m.exec(added)![1]!;
  const listed = await cli('list');
  assert.match(listed, new RegExp(`^ID\\s+STATUS\\s+EVENTS\\s+URL\\s+FAILING SINCE\\n${id}\\s+enabled\\s+number\\.purchased,number\\.updated\\s+${receiver.url.replace(/[.]/g, '\\.')}\\s+-\\n$`));
  assert.equal(listed.includes(secret), false);

  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, '61291234567') });
  assert.equal(bought.status, 200);
  const poster = createWebhookPoster(TEST_WEBHOOK_SETTINGS);
  t.after(() => poster.close());
  await deliverDueWebhooks(ctx.deps, poster);
  const [delivery] = receiver.deliveries;
  assert.equal((await verifyWebhook<{ kind: string }>(delivery!.body, delivery!.headers['bilby-signature'] as string, secret)).kind, 'number.purchased');

  assert.match(await cli('attempts', id), /^AT\s+EVENT\s+KIND\s+ATTEMPT\s+STATUS\s+MS\s+DELIVERY\s+ERROR\n\S+\s+evt_\S+\s+number\.purchased\s+1\s+200\s+\d+\s+delivered\s+-\n$/);
  assert.match(await cli('show', id), /pending deliveries:\s+0/);
  assert.match(await cli('update', id, '--disable'), /status:\s+disabled \(disabled by its owner\)/);
  const noChange = await runCli(['webhooks', 'update', id], env);
  assert.notEqual(noChange.code, 0);
  assert.match(noChange.stderr, /give --url, --events, --description, --enable or --disable/);
  assert.match(await cli('update', id, '--enable', '--events', '*'), /events:\s+\*/);

  const rotated = await cli('rotate-secret', id, '--overlap-hours', '2');
  const fresh = /signing secret: (whsec_\S+)\n/.exec(rotated)?.[1];
  assert.ok(fresh && fresh !== secret);
  assert.match(rotated, /The previous secret keeps signing beside it until \S+\./);
  const replayed = JSON.parse(await cli('replay', id, '--json'));
  assert.deepEqual([replayed.queued, replayed.more], [1, false]);
  await deliverDueWebhooks(ctx.deps, poster);
  const again = receiver.deliveries[1]!;
  assert.equal(again.headers['bilby-replay'], '1');
  await verifyWebhook(again.body, again.headers['bilby-signature'] as string, fresh);
  await verifyWebhook(again.body, again.headers['bilby-signature'] as string, secret);

  assert.match(await cli('remove', id), new RegExp(`Deleted webhook endpoint ${id}`));
  assert.equal(await cli('list'), '(none)\n');
});
