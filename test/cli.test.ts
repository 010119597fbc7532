import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as account from '../cli/src/commands/account.js';
import * as adminAccounts from '../cli/src/commands/admin-accounts.js';
import * as events from '../cli/src/commands/events.js';
import { changeStock, importInventory, showCounts, showNumberHistory, syncInventory } from '../cli/src/commands/admin-inventory.js';
import { setPricingRule, showMargins, showPricingRules } from '../cli/src/commands/admin-pricing.js';
import { CrazyTelCatalogue } from '../server/src/carriers/crazytel/upstream-catalogue.js';
import { createApp } from '../server/src/http/app.js';
import { buyWithFlags } from '../cli/src/commands/buy.js';
import { login } from '../cli/src/commands/login.js';
import * as numbers from '../cli/src/commands/numbers.js';
import { searchNumbers } from '../cli/src/commands/numbers.js';
import { describeFailure, EXIT, UsageError } from '../cli/src/failures.js';
import { createProgram, runProgram } from '../cli/src/program.js';
import { clientFor, resolveSettings } from '../cli/src/settings.js';
import { ConnectionError, createClient } from '../sdk/src/index.js';
import { bilbyCommand } from './helpers/built-bilby.js';
import { captureIo, HAS_TMUX, runCli } from './helpers/cli.js';
import { createTestContext, TEST_ADMIN_KEY, type TestContextApi, IMMEDIATE_RESALE } from './helpers/context.js';
import { closedPort } from './helpers/server-process.js';
import { startUpstream } from './helpers/upstream.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../cli/package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function listen(ctx: TestContextApi): Promise<string> {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
}

it('commands as functions: search as a table and as JSON, buy with flags, balance, orders and events', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers(['61291234567', '61291234568']);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const client = createClient({ baseUrl: await listen(ctx), apiKey: acc.key });

  const text = captureIo();
  await searchNumbers(client, { limit: 1 }, text);
  assert.match(text.stdout, /^NUMBER\s+TYPE\s+STATE\s+CITY\s+SETUP\s+MONTHLY\n61291234567\s+geographic\s+NSW\s+Sydney\s+\$5\.00\s+\$10\.00\nMore: --cursor \S+\n$/);
  const json = captureIo(true);
  await searchNumbers(client, { all: true, limit: 1 }, json);
  assert.deepEqual(JSON.parse(json.stdout).results.map((n: { did_number: string }) => n.did_number), ['61291234567', '61291234568']);

  await assert.rejects(buyWithFlags(client, '61291234567', { owner: acc.personId }, captureIo()), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /needs --address, --route/);
    return true;
  });
  const flags = { address: acc.addressId, owner: acc.personId, route: 'device', destination: '1000000' };
  const quote = captureIo();
  await buyWithFlags(client, '0291234567', { ...flags, dryRun: true }, quote);
  assert.match(quote.stdout, /would cost \$15\.00: balance \$50\.00 → \$35\.00\. Nothing was bought\./);
  const bought = captureIo(true);
  await buyWithFlags(client, '0291234567', flags, bought);
  assert.equal(JSON.parse(bought.stdout).message, 'DID number successfully purchased');

  const balance = captureIo();
  await account.showBalance(client, balance);
  assert.match(balance.stdout, /balance \$35\.00/);
  const orders = captureIo(true);
  await account.listOrders(client, {}, orders);
  assert.equal(JSON.parse(orders.stdout).results[0].status, 'completed');
  const ledger = captureIo();
  await account.listTransactions(client, {}, ledger);
  assert.match(ledger.stdout, /purchase\s+-\$15\.00\s+\$35\.00/);
  const listed = captureIo();
  await events.listEvents(client, {}, listed);
  assert.match(listed.stdout, /^CURSOR\s+WHEN\s+KIND\s+NUMBER\s+ORDER\n\S+\s+\S+\s+number\.purchased\s+61291234567\s+ord_\S+\n$/);
  const stop = new AbortController();
  const followed = captureIo(true);
  const following = events.followEvents(client, { signal: stop.signal, intervalMs: 10 }, { ...followed, out: (text) => (followed.out(text), stop.abort()) });
  await following;
  assert.deepEqual(followed.stdout.trim().split('\n').map((line) => JSON.parse(line).kind), ['number.purchased'], 'one JSON line an event, until stopped');
});

it('operator commands as functions: open an account, credit it, import a file with a report', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const client = createClient({ baseUrl: await listen(ctx), adminKey: TEST_ADMIN_KEY });
  const created = captureIo(true);
  await adminAccounts.createAccount(client, { name: 'Shop', credit: 10 }, created);
  const { account: opened, api_key } = JSON.parse(created.stdout);
  assert.match(api_key.api_key, /^bilby_live_/);
  const credited = captureIo();
  await adminAccounts.adjustBalance(client, opened.id, 'credit', { amount: 2.5, reason: 'Cash' }, credited);
  assert.match(credited.stdout, /Credited \$2\.50: balance now \$12\.50/);

  const dir = mkdtempSync(join(tmpdir(), 'bilby-cli-'));
  const file = join(dir, 'numbers.csv');
  writeFileSync(file, 'did_number,setup_cost,monthly_cost\n0291234567,1,5\nnot-a-number,1,5\n0291234567,1,5\n');
  const imported = captureIo();
  await importInventory(client, file, imported, false);
  assert.match(imported.stdout, /Rows read:\s+3\nAdded:\s+1\nAlready present:\s+1\nRejected:\s+1\nLINE\s+REASON\n3\s+did_number not-a-number is not a valid/);
  assert.match(imported.stderr, /import: 100% sent/);
  await assert.rejects(importInventory(client, join(dir, 'missing.csv'), captureIo(), false), UsageError);
});

it('describes failures in one sentence with their code, and picks the exit code by kind', () => {
  assert.deepEqual(describeFailure(new UsageError('bad flag')), { message: 'bad flag', exitCode: EXIT.usage, code: 'usage' });
  assert.equal(describeFailure(new ConnectionError('down')).exitCode, EXIT.network);
  const refused = new ConnectionError('availableNumbers.list: could not reach http://127.0.0.1:8080 (ECONNREFUSED)', { origin: 'http://127.0.0.1:8080', reason: 'ECONNREFUSED' });
  assert.equal(describeFailure(refused).message, 'could not reach http://127.0.0.1:8080: connection refused (is the server running, and on that port?)');
  const blocked = new ConnectionError('balance: could not reach http://127.0.0.1:1 (bad port)', { origin: 'http://127.0.0.1:1', reason: 'bad port' });
  assert.equal(describeFailure(blocked).message, 'could not reach http://127.0.0.1:1: port 1 is on the list of ports fetch will not connect to');
  assert.equal(describeFailure(new ConnectionError('x', { origin: 'https://api.example', reason: 'timeout' })).message, 'could not reach https://api.example: no answer in time');
  assert.deepEqual([EXIT.api, EXIT.usage, EXIT.network].length, new Set([EXIT.api, EXIT.usage, EXIT.network]).size);
});

it("prints the CLI package's version for --version and -V", async () => {
  for (const flag of ['--version', '-V']) {
    let printed = '';
    const program = createProgram().configureOutput({ writeOut: (text) => (printed += text) });
    assert.equal(await runProgram(program, ['node', 'bilby', flag]), EXIT.ok);
    assert.equal(printed, `${PACKAGE_VERSION}\n`);
  }
});

it('takes settings from flags, then the environment, then the file bilby login wrote (owner-only)', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const acc = await ctx.createAccount();
  const baseUrl = await listen(ctx);
  const dir = mkdtempSync(join(tmpdir(), 'bilby-login-'));
  const env = { BILBY_CONFIG: join(dir, 'config.json') };
  const out = captureIo();
  await login({ baseUrl, apiKey: acc.key, adminKey: TEST_ADMIN_KEY }, out, env);
  assert.match(out.stdout, /Logged in to .* as account \d{7} \(with the admin key\)/);
  assert.equal(statSync(env.BILBY_CONFIG).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(env.BILBY_CONFIG, 'utf8')), { baseUrl, apiKey: acc.key, adminKey: TEST_ADMIN_KEY });
  assert.deepEqual(resolveSettings({}, env), { baseUrl, apiKey: acc.key, adminKey: TEST_ADMIN_KEY });
  assert.equal(resolveSettings({}, { ...env, CRAZYTEL_API_KEY: 'ct' }).apiKey, 'ct');
  assert.equal(resolveSettings({}, { ...env, CRAZYTEL_API_KEY: 'ct', BILBY_API_KEY: 'b' }).apiKey, 'b');
  assert.equal(resolveSettings({ apiKey: 'flag', baseUrl: 'http://x' }, { ...env, BILBY_API_KEY: 'b' }).apiKey, 'flag');
  const client = clientFor({}, 'customer', env);
  assert.deepEqual([client.options.baseUrl, client.options.retryConnectFailures, client.options.maxRetries], [baseUrl, false, 2], 'a refused connection fails at once; other failures are retried');
  assert.throws(() => clientFor({ baseUrl: 'localhost:8080' }, 'customer', env), /"localhost:8080" .* is not an http:\/\/ or https:\/\/ URL/);
  await assert.rejects(login({ baseUrl, apiKey: 'wrong' }, captureIo(), env));
  assert.equal(JSON.parse(readFileSync(env.BILBY_CONFIG, 'utf8')).apiKey, acc.key, 'a refused key is not saved');
});

it('runs as a real process: output, --json, and distinct exit codes for usage, API and network errors', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers(['61291234567']);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const env = { BILBY_BASE_URL: await listen(ctx), BILBY_API_KEY: acc.key, BILBY_CONFIG: '/nonexistent/bilby.json' };
  const down = `http://127.0.0.1:${await closedPort()}`;
  const [balance, search, unauthenticated, usage, unreachable, admin, noAdmin] = await Promise.all([
    runCli(['balance', '--json'], env),
    runCli(['numbers', 'search', '--type', 'geographic'], env),
    runCli(['balance'], { ...env, BILBY_API_KEY: 'not-a-key' }),
    runCli(['numbers', 'search', '--state', 'XX'], env),
    runCli(['numbers', 'search', '--base-url', down], env),
    runCli(['admin', 'inventory', '--json'], { ...env, BILBY_ADMIN_KEY: TEST_ADMIN_KEY }),
    runCli(['admin', 'accounts'], env),
  ]);
  assert.equal(balance.code, 0, balance.stderr);
  assert.equal(JSON.parse(balance.stdout).balance, 50);
  assert.match(search.stdout, /61291234567\s+geographic/);
  assert.deepEqual([unauthenticated.code, unauthenticated.stderr.trim()], [EXIT.api, 'bilby: Invalid API key (code: unauthenticated, HTTP 401)']);
  assert.equal(usage.code, EXIT.usage);
  assert.match(usage.stderr, /Allowed choices are ACT, NSW/);
  assert.deepEqual([unreachable.code, unreachable.stderr], [EXIT.network, `bilby: could not reach ${down}: connection refused (is the server running, and on that port?)\n`]);
  assert.equal(admin.code, 0, admin.stderr);
  assert.equal(JSON.parse(admin.stdout).total, 1);
  assert.deepEqual([noAdmin.code, noAdmin.stderr.trim()], [EXIT.usage, 'bilby: No admin key: pass --admin-key, set BILBY_ADMIN_KEY, or run bilby login --admin-key']);
  const piped = await runCli(['buy'], env);
  assert.equal(piped.code, EXIT.usage);
  assert.match(piped.stderr, /needs a terminal/);
});

it('ends quietly when the reader of its output has gone (bilby ... | head)', async () => {
  const [node, ...bilby] = await bilbyCommand();
  const child = spawn(node!, [...bilby, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '', 'no EPIPE stack trace');
  assert.equal(code, 0);
});

/** `bilby buy` in a tmux terminal of its own, as a person would run it. */
async function guidedBuyInTerminal(t: TestContext, env: string, name: string) {
  const session = `bilby-${name}-${process.pid}`;
  const command = `${env} BILBY_CONFIG=/nonexistent ${(await bilbyCommand()).join(' ')} buy; echo "EXIT=$?"; sleep 60`;
  assert.equal(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '50', command], { cwd: process.cwd() }).status, 0);
  t.after(() => spawnSync('tmux', ['kill-session', '-t', session]));
  // -J joins the lines the terminal wrapped.
  const screen = (joined = false) => spawnSync('tmux', ['capture-pane', '-p', ...(joined ? ['-J'] : []), '-t', session], { encoding: 'utf8' }).stdout;
  const keys = (...k: string[]) => spawnSync('tmux', ['send-keys', '-t', session, ...k]);
  const waitFor = async (text: string | RegExp) => {
    for (let i = 0; i < 300; i++) {
      const shown = screen();
      if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
      await sleep(100);
    }
    assert.fail(`the terminal never showed ${text}:\n${screen()}`);
  };
  return { screen, keys, waitFor };
}

it('walks the guided purchase in a real terminal, from search to order id, adding an address and an owner', { skip: !HAS_TMUX && 'tmux is not installed: the pseudo-terminal test needs it' }, async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers([
    { number: '61291234567', setup: 2_00, monthly: 8_00 },
    { number: '61291234999', setup: 3_00, monthly: 9_00 },
    { number: '61249291234', city: 'Newcastle' },
    '61412345678',
  ]);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const baseUrl = await listen(ctx);
  const { screen, keys, waitFor } = await guidedBuyInTerminal(t, `BILBY_BASE_URL=${baseUrl} BILBY_API_KEY=${acc.key}`, 'buy');

  await waitFor('What kind of number?');
  keys('Down', 'Enter'); // Local landline number
  await waitFor('In which state?');
  keys('Down', 'Down', 'Enter'); // NSW
  await waitFor('In which city?');
  assert.match(screen(), /Any city\n.*Newcastle\n.*Sydney\n/);
  keys('Down', 'Down', 'Enter'); // Sydney
  await waitFor('Digits or letters');
  keys('Enter'); // any
  await waitFor('Pick a number');
  // Every row shows its price, not only the one under the cursor.
  assert.match(screen(), /\(02\) 9123 4567 {2}Sydney NSW {2}\$2\.00 setup \+ \$8\.00\/month\n.*\(02\) 9123 4999 {2}Sydney NSW {2}\$3\.00 setup \+ \$9\.00\/month\n.*Search again/);
  assert.doesNotMatch(screen(), /Newcastle/);
  keys('Enter');
  await waitFor('Service address');
  keys('Down', 'Enter'); // Add a new address
  await waitFor('Street number');
  keys('12', 'Enter');
  await waitFor('Street name');
  keys('Pitt Street', 'Enter');
  await waitFor('City or suburb');
  keys('Sydney', 'Enter');
  await waitFor(/◆\s+State/);
  keys('Down', 'Enter'); // NSW
  await waitFor('Postcode');
  keys('2000', 'Enter');
  await waitFor('Owner of the number');
  keys('Down', 'Enter'); // Add a new owner
  await waitFor('Kind of customer');
  keys('Enter'); // Residential
  await waitFor(/◆\s+Surname/);
  keys('Citizen', 'Enter');
  await waitFor('Given name');
  keys('Ada', 'Enter');
  await waitFor('Where should its calls go?');
  keys('Enter'); // device 1000000
  await waitFor('Description, for your own records');
  keys('Front desk', 'Enter');
  await waitFor('Your order');
  assert.match(screen(), /\$2\.00 setup \+ \$8\.00 first month = \$10\.00/);
  assert.match(screen(), /Balance: +\$50\.00 → \$40\.00 after/);
  assert.match(screen(), /Description: Front desk/);
  keys('Enter'); // Yes
  const done = await waitFor('EXIT=');
  const orderId = /Order (ord_\w+)/.exec(done)?.[1];
  assert.ok(orderId, done);
  assert.match(done, /EXIT=0/);

  const order = await ctx.db.selectFrom('purchase_order').selectAll().where('id', '=', orderId!).executeTakeFirstOrThrow();
  assert.deepEqual([order.status, order.did_number, order.amount_cents], ['completed', '61291234567', 10_00]);
  const address = await ctx.db.selectFrom('address').selectAll().where('id', '=', order.address_id).executeTakeFirstOrThrow();
  assert.deepEqual([address.street_number_first, address.street_name, address.postcode], ['12', 'Pitt Street', '2000']);
  const person = await ctx.db.selectFrom('person').selectAll().where('id', '=', order.person_id).executeTakeFirstOrThrow();
  assert.deepEqual([person.name_1, person.name_2, person.person_type, person.account_id], ['Citizen', 'Ada', 'R', acc.accountId]);
  const bought = await ctx.db.selectFrom('phone_number').select(['description', 'account_id']).where('did_number', '=', '61291234567').executeTakeFirstOrThrow();
  assert.deepEqual(bought, { description: 'Front desk', account_id: acc.accountId });
  assert.doesNotMatch(done, /was saved/, 'a purchase that went through needs no word on what it kept');
});

it('says the address it added was saved when the guided purchase is cancelled after it, and keeps it', { skip: !HAS_TMUX && 'tmux is not installed: the pseudo-terminal test needs it' }, async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers(['61291234567']);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const { screen, keys, waitFor } = await guidedBuyInTerminal(t, `BILBY_BASE_URL=${await listen(ctx)} BILBY_API_KEY=${acc.key}`, 'cancel');

  await waitFor('What kind of number?');
  keys('Enter'); // Any kind
  await waitFor('In which state?');
  keys('Enter'); // Any state
  await waitFor('In which city?');
  keys('Enter'); // Any city
  await waitFor('Digits or letters');
  keys('Enter');
  await waitFor('Pick a number');
  keys('Enter');
  await waitFor('Service address');
  keys('Down', 'Enter'); // Add a new address
  await waitFor('Street number');
  keys('7', 'Enter');
  await waitFor('Street name');
  keys('Elizabeth Street', 'Enter');
  await waitFor('City or suburb');
  keys('Hobart', 'Enter');
  await waitFor(/◆\s+State/);
  keys('Down', 'Down', 'Down', 'Down', 'Down', 'Enter'); // TAS
  await waitFor('Postcode');
  keys('7000', 'Enter');
  await waitFor('Owner of the number');
  keys('C-c');
  await waitFor('EXIT=');
  const done = screen(true);
  assert.match(done, /EXIT=130/);
  const id = /The address you added \(7 Elizabeth Street, Hobart TAS 7000\) was saved: bilby buy offers it next time; bilby addresses remove (\S+) deletes it\./.exec(done)?.[1];
  assert.ok(id, done);
  assert.match(done, /bilby: Cancelled\./);
  const address = await ctx.db.selectFrom('address').select(['account_id', 'street_name', 'state']).where('id', '=', id!).executeTakeFirstOrThrow();
  assert.deepEqual(address, { account_id: acc.accountId, street_name: 'Elizabeth Street', state: 'TAS' });
  assert.equal((await ctx.db.selectFrom('purchase_order').select('id').execute()).length, 0, 'nothing bought');
});

it('commands as functions: update, show and release a number; add and remove IPND records; operator keys, destinations, prices, stock', async (t) => {
  const ctx = await createTestContext(t, 'sqlite', IMMEDIATE_RESALE);
  await ctx.seedNumbers(['61291234567', '61291234568']);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const baseUrl = await listen(ctx);
  const client = createClient({ baseUrl, apiKey: acc.key });
  const operator = createClient({ baseUrl, adminKey: TEST_ADMIN_KEY });
  await buyWithFlags(client, '61291234567', { address: acc.addressId, owner: acc.personId, route: 'device', destination: '1000000' }, captureIo());

  const updated = captureIo();
  await numbers.updateNumber(client, '61291234567', { description: 'Front desk', primary_route: 'voicemail', primary_destination: '2000' }, updated);
  assert.match(updated.stdout, /Description:\s+Front desk\nPrimary route:\s+voicemail 2000/);
  const shown = captureIo(true);
  await numbers.showNumber(client, '61291234567', shown);
  assert.equal(JSON.parse(shown.stdout).primary_route, 'voicemail');
  const released = captureIo();
  await numbers.releaseNumber(client, '61291234567', {}, released);
  assert.equal(released.stdout, 'Released 61291234567.\n');
  const history = captureIo();
  await numbers.showHistory(client, '61291234567', {}, history);
  const buyerKey = (await ctx.db.selectFrom('api_key').select('id').where('account_id', '=', acc.accountId).executeTakeFirstOrThrow()).id;
  const lines = history.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^WHEN\s+EVENT\s+WHAT\s+BY\s+REQUEST$/);
  assert.deepEqual(lines.slice(1).map((line) => line.split(/\s{2,}/)[1]), ['released', 'description_changed', 'routing_changed', 'purchased']);
  assert.match(lines[3]!, new RegExp(`primary_route: device → voicemail, primary_destination: 1000000 → 2000\\s+api_key:${buyerKey}\\s+req_`));
  assert.match(lines[4]!, /order_id ord_\S+, amount \$15\.00\s+api_key:/);
  const everyOwner = captureIo(true);
  await showNumberHistory(operator, '61291234567', {}, everyOwner);
  assert.deepEqual(JSON.parse(everyOwner.stdout).results.map((e: { account_id: string }) => e.account_id), Array(4).fill(acc.accountId));

  const added = captureIo(true);
  await account.addAddress(client, { city: 'Hobart', state: 'TAS', postcode: '7000' }, added);
  await account.removeAddress(client, JSON.parse(added.stdout).id, captureIo());
  const owner = captureIo(true);
  await account.addOwner(client, { name_1: 'Lee', name_2: 'Sam', person_type: 'R' }, owner);
  const owners = captureIo();
  await account.listOwners(client, owners);
  assert.match(owners.stdout, /Sam Lee\s+R/);

  const key = captureIo(true);
  await adminAccounts.createKey(operator, acc.accountId, 'ci', key);
  const keyId = JSON.parse(key.stdout).id;
  await adminAccounts.revokeKey(operator, acc.accountId, keyId, captureIo());
  const keys = captureIo();
  await adminAccounts.listKeys(operator, acc.accountId, keys);
  assert.match(keys.stdout, new RegExp(`${keyId}\\s+…\\w{4}\\s+ci\\s+\\S+\\s+\\d{4}-`));
  const destination = captureIo(true);
  await adminAccounts.addAccountDestination(operator, acc.accountId, { route: 'queue', destination: 'support' }, destination);
  await adminAccounts.changeAccountDestination(operator, acc.accountId, JSON.parse(destination.stdout).id, { enabled: false }, captureIo());
  const destinations = captureIo();
  await adminAccounts.listAccountDestinations(operator, acc.accountId, destinations);
  assert.match(destinations.stdout, /queue\s+support\s+queue support\s+no/);
  const price = captureIo();
  await adminAccounts.setTypePrice(operator, 'mobile', { setup_cost: 1, monthly_cost: 9.95 }, price);
  assert.equal(price.stdout, 'mobile: $1.00 setup, $9.95/month; 0 unsold numbers repriced.\n');
  const own = captureIo();
  await adminAccounts.setNumberPrice(operator, '61291234568', { setup_cost: 0, monthly_cost: 3 }, own);
  assert.equal(own.stdout, '61291234568: $0.00 setup, $3.00/month (own price).\n');
  const withdrawn = captureIo();
  await changeStock(operator, 'withdraw', ['61291234568', '61291234567'], withdrawn);
  assert.equal(withdrawn.stdout, 'Withdrawn: 61291234567, 61291234568\n', 'a released number is back in stock, so it can be withdrawn');
  const counts = captureIo();
  await showCounts(operator, counts);
  assert.match(counts.stdout, /geographic\s+0\s+0\s+0\s+0\s+2\n/);
  assert.match(counts.stdout, /Total: 2/);
});

it('shows a progress bar for an import on a terminal', { skip: !HAS_TMUX && 'tmux is not installed: the pseudo-terminal test needs it' }, async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const baseUrl = await listen(ctx);
  const dir = mkdtempSync(join(tmpdir(), 'bilby-bar-'));
  const file = join(dir, 'numbers.csv');
  const lines = ['did_number,setup_cost,monthly_cost'];
  for (let i = 0; i < 50_000; i++) lines.push(`6129${1_000_000 + i},1,5`);
  writeFileSync(file, lines.join('\n'));
  const session = `bilby-bar-${process.pid}`;
  const command = `BILBY_BASE_URL=${baseUrl} BILBY_ADMIN_KEY=${TEST_ADMIN_KEY} BILBY_CONFIG=/nonexistent ${(await bilbyCommand()).join(' ')} admin inventory import ${file}; echo "EXIT=$?"; sleep 60`;
  assert.equal(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', command]).status, 0);
  t.after(() => spawnSync('tmux', ['kill-session', '-t', session]));
  let shown = '';
  for (let i = 0; i < 300 && !shown.includes('EXIT='); i++) {
    await sleep(100);
    shown = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout;
  }
  assert.match(shown, /Importing \[[=█]+\] 100% \| [\d.]+\/[\d.]+ MB/);
  assert.match(shown, /Added:\s+50000/);
  assert.match(shown, /EXIT=0/);
});

/** An operator API whose server syncs from a second Bilby, the upstream, with three NSW numbers and a Victorian one. */
async function resellerApi(t: TestContext) {
  const ctx = await createTestContext(t, 'sqlite');
  const upstream = await startUpstream(t, {
    numbers: ['61291230001', '61291230002', '61291230003'],
    stock: [{ number: '61391230004', state: 'VIC', city: 'Melbourne' }],
  });
  const catalogue = new CrazyTelCatalogue(createClient({ baseUrl: upstream.proxy.url, apiKey: upstream.resellerKey, compatibility: 'crazytel' }));
  const app = await createApp({ ...ctx.deps, catalogue }, { adminKey: TEST_ADMIN_KEY });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { ctx, baseUrl, client: createClient({ baseUrl, adminKey: TEST_ADMIN_KEY }) };
}

it('operator commands as functions: pricing rules, a catalogue sync with a line per part and its report, margins', async (t) => {
  const { client } = await resellerApi(t);
  const set = captureIo();
  await setPricingRule(client, 'geographic', { markup_percent: 20, setup_markup: 0.5, rounding: 'up_to_95_cents' }, set);
  assert.equal(set.stdout, 'geographic: upstream cost + 20%, + $0.50 setup, + $0.00 a month, rounded up to 95 cents; 0 unsold numbers repriced.\n');
  const rules = captureIo();
  await showPricingRules(client, rules);
  assert.match(rules.stdout, /^TYPE\s+MARKUP\s+SETUP \+\s+MONTHLY \+\s+ROUNDING\s+UPDATED\ngeographic\s+20%\s+\$0\.50\s+\$0\.00\s+up_to_95_cents\s+\S+\n/);
  assert.match(rules.stdout, /Types without a rule are left out of the upstream catalogue sync/);

  const synced = captureIo();
  await syncInventory(client, synced, false);
  assert.match(synced.stdout, /^Sync:\s+syn_\S+ \(completed\)\nAdded:\s+4\nRepriced:\s+0\nWithdrawn:\s+0\nUnchanged:\s+0\nNumbers seen:\s+4\nPages read:\s+9\n/);
  assert.match(synced.stdout, /No pricing rule, not synced: mobile, tollfree, local_rate \(set one with bilby admin pricing set\)/);
  // Piped, a plain line as parts are read (the last one at least), never a bar.
  assert.match(synced.stderr, /sync: 9 of 9 parts read \(9 pages, 4 numbers\)\n$/);
  assert.doesNotMatch(synced.stderr, /\[/);
  const json = captureIo(true);
  await syncInventory(client, json, false);
  assert.deepEqual([JSON.parse(json.stdout).status, JSON.parse(json.stdout).unchanged, json.stderr], ['completed', 4, '']);

  const margins = captureIo();
  await showMargins(client, {}, margins);
  assert.match(margins.stdout, /^Margins \d{4}-\d{2} to \d{4}-\d{2}\nMONTH\s+TYPE\s+SALES\s+REVENUE\s+UPSTREAM COST\s+MARGIN\ntotal\s+-\s+0\s+\$0\.00\s+\$0\.00\s+\$0\.00\n$/);
});

it('shows a progress bar for a catalogue sync on a terminal, then its report', { skip: !HAS_TMUX && 'tmux is not installed: the pseudo-terminal test needs it' }, async (t) => {
  const { client, baseUrl } = await resellerApi(t);
  await client.admin.pricingRules.set('geographic', { markup_percent: 10 });
  const session = `bilby-sync-bar-${process.pid}`;
  const command = `BILBY_BASE_URL=${baseUrl} BILBY_ADMIN_KEY=${TEST_ADMIN_KEY} BILBY_CONFIG=/nonexistent ${(await bilbyCommand()).join(' ')} admin inventory sync; echo "EXIT=$?"; sleep 60`;
  assert.equal(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', command]).status, 0);
  t.after(() => spawnSync('tmux', ['kill-session', '-t', session]));
  let shown = '';
  for (let i = 0; i < 300 && !shown.includes('EXIT='); i++) {
    await sleep(100);
    shown = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout;
  }
  assert.match(shown, /Syncing \[[=█]+\] 9\/9 parts \| 9 pages, 4 numbers/);
  assert.match(shown, /Added:\s+4/);
  assert.match(shown, /EXIT=0/);
});

it('commands as functions: release at the end of the paid month, release now, and restore within the grace days', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers([{ number: '61291234567', setup: 0, monthly: 10_00 }]);
  const acc = await ctx.createAccount({ balance: 50_00 });
  const client = createClient({ baseUrl: await listen(ctx), apiKey: acc.key });
  await buyWithFlags(client, '61291234567', { address: acc.addressId, owner: acc.personId, route: 'device', destination: '1000000' }, captureIo());
  const tenure = await ctx.db.selectFrom('rental').select('next_due_on').executeTakeFirstOrThrow();
  const later = captureIo();
  await numbers.releaseNumber(client, '61291234567', { atPeriodEnd: true }, later);
  assert.equal(later.stdout, `61291234567 will be released on ${tenure.next_due_on}, when its paid month ends.\n`);
  const now = captureIo();
  await numbers.releaseNumber(client, '61291234567', {}, now);
  assert.equal(now.stdout, 'Released 61291234567.\n');
  const restored = captureIo();
  await numbers.restoreNumber(client, '61291234567', restored);
  assert.equal(restored.stdout, `Restored 61291234567: charged $0.00, balance $40.00, next renewal on ${tenure.next_due_on}.\n`);
  const program = createProgram();
  const restore = program.commands.find((c) => c.name() === 'numbers')?.commands.find((c) => c.name() === 'restore');
  assert.ok(restore, 'bilby numbers restore exists');
});
