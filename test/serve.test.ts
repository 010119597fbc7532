import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { MIGRATION_NAMES } from '../server/src/store/migrate.js';
import { runCli } from './helpers/cli.js';
import { startServer } from './helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bilby-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const serve = startServer;

describe('bilby serve', () => {
  it('with --demo on a new database prints a demo key that can follow the seed’s purchase process, and an admin key its restarts keep', async () => {
    const databaseUrl = `file:${join(dir, 'demo', 'bilby.db')}`;
    const server = await serve(['--demo'], { BILBY_DATABASE_URL: databaseUrl });
    const adminKey = /bilby_admin_[\w-]+/.exec(server.output())?.[0];
    let balanceAfter: number | undefined;
    const prices = async (base: string, key = adminKey) => (await fetch(`${base}/admin/v1/prices`, { headers: { 'X-Admin-Key': key! } })).status;
    try {
      const key = /bilby_live_[A-Za-z0-9]+/.exec(server.output())?.[0];
      assert.ok(key, `printed a key: ${server.output()}`);
      assert.ok(adminKey, `printed an admin key: ${server.output()}`);
      assert.equal(await prices(server.base), 200);
      const get = async (path: string) => {
        const res = await fetch(`${server.base}/api/v1${path}`, { headers: { 'X-Crazytel-Api-Key': key } });
        return { status: res.status, body: (await res.json()) as any };
      };
      assert.deepEqual((await get('/balance/')).body.balance, 500);
      assert.equal((await get('/phone-numbers/available-numbers/61400000000')).status, 200);
      const addresses = (await get('/phone-numbers/addresses/')).body.results;
      const owners = (await get('/phone-numbers/owners/')).body.results;
      const routes = (await get('/phone-numbers/destinations/')).body.results.map((d: { route: string }) => d.route);
      assert.equal(addresses.length, 1);
      assert.equal(owners.length, 1);
      for (const route of ['device', 'server', 'voicemail', 'congestion']) assert.ok(routes.includes(route), route);

      const purchase = await fetch(`${server.base}/api/v1/phone-numbers/purchase`, {
        method: 'POST',
        headers: { 'X-Crazytel-Api-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          did_number: '61400000000',
          address_id: addresses[0].id,
          person_id: owners[0].id,
          primary_route: 'device',
          primary_destination: '1000000',
          description: 'Main office line',
        }),
      });
      const bought = (await purchase.json()) as any;
      assert.equal(purchase.status, 200);
      assert.equal(bought.message, 'DID number successfully purchased');
      assert.equal((await get('/balance/')).body.balance, 500 - bought.charged);
      balanceAfter = 500 - bought.charged;
      assert.deepEqual((await get('/account/verified-cli/')).body.results, ['61400000000']);
    } finally {
      await server.stop();
    }

    const sqlite = new SqliteDatabase(join(dir, 'demo', 'bilby.db'), { readonly: true });
    const total = sqlite.prepare('select count(*) as n from phone_number').get() as { n: number };
    const states = sqlite.prepare("select distinct state from phone_number where state is not null and country = 'AU' order by state").all();
    const types = sqlite.prepare('select number_type, min(setup_cost_cents + monthly_cost_cents) as low, max(setup_cost_cents + monthly_cost_cents) as high from phone_number group by number_type').all() as Array<{ number_type: string; low: number; high: number }>;
    sqlite.close();
    assert.ok(total.n >= 20_000, `${total.n} numbers`);
    assert.deepEqual(states.map((s: any) => s.state), ['ACT', 'NSW', 'NT', 'QLD', 'SA', 'TAS', 'VIC', 'WA']);
    assert.deepEqual(types.map((t) => t.number_type).sort(), ['geographic', 'local_rate', 'mobile', 'tollfree']);
    const geographic = types.find((t) => t.number_type === 'geographic')!;
    const tollfree = types.find((t) => t.number_type === 'tollfree')!;
    assert.ok(geographic.high < tollfree.low, '1300/1800 numbers cost more than geographic ones');

    const again = await serve(['--demo'], { BILBY_DATABASE_URL: databaseUrl, BILBY_DEMO_API_KEY: 'my-own-demo-key-0123456789' });
    try {
      assert.doesNotMatch(again.output(), /bilby_live_|bilby_admin_/, 'no new generated key on an existing database');
      assert.match(again.output(), /BILBY_DEMO_API_KEY opens it/);
      assert.match(again.output(), /Operator \(admin\) key: unchanged, the one shown at the first start/);
      assert.equal(await prices(again.base), 200, 'the first admin key still works');
      assert.equal(await prices(again.base, 'bilby_admin_not-the-demo-key'), 401);
      const res = await fetch(`${again.base}/api/v1/phone-numbers`, { headers: { 'X-Crazytel-Api-Key': 'my-own-demo-key-0123456789' } });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as any).results.map((n: { did_number: string }) => n.did_number), ['61400000000']);
    } finally {
      await again.stop();
    }

    const third = await serve(['--demo'], { BILBY_DATABASE_URL: databaseUrl });
    try {
      assert.doesNotMatch(third.output(), /bilby_live_|bilby_admin_/);
      assert.equal(await prices(third.base), 200, 'the first admin key still works');
      // The restart says how to get a demo key; its command, run as printed, makes one.
      const command = /^ {2}bilby (.* admin keys create .*)$/m.exec(third.output())?.[1];
      assert.ok(command, `says how to get a demo key: ${third.output()}`);
      const args = command.replace('<the admin key shown at the first start>', adminKey!).replace(/localhost/, '127.0.0.1').split(' ');
      const made = await runCli(args, { BILBY_CONFIG: '/nonexistent/bilby.json' });
      const newKey = /bilby_live_\w+/.exec(made.stdout)?.[0];
      assert.ok(made.code === 0 && newKey, made.stdout + made.stderr);
      const balance = await fetch(`${third.base}/api/v1/balance/`, { headers: { 'X-Crazytel-Api-Key': newKey } });
      assert.equal(((await balance.json()) as { balance: number }).balance, balanceAfter, 'the new key opens the demo account');
    } finally {
      await third.stop();
    }
    // The admin key is kept as its hash only.
    const stored = new SqliteDatabase(join(dir, 'demo', 'bilby.db'), { readonly: true });
    const row = stored.prepare("select key_hash from operator_key where name = 'demo'").get() as { key_hash: string };
    stored.close();
    assert.equal(row.key_hash, createHash('sha256').update(adminKey!).digest('hex'));
    for (const file of readdirSync(join(dir, 'demo'))) assert.ok(!readFileSync(join(dir, 'demo', file)).includes(adminKey!), `${file} does not hold the admin key`);
  });

  it('without --demo seeds nothing', async () => {
    // From source, as `npm run dev` starts it (its SQLite reader threads through tsx too); every other test server runs the bundle.
    const server = await serve([], { BILBY_DATABASE_URL: `file:${join(dir, 'plain', 'bilby.db')}` }, 'source');
    try {
      assert.doesNotMatch(server.output(), /bilby_live_/);
      const res = await fetch(`${server.base}/api/v1/phone-numbers/available-numbers/`, {
        headers: { 'X-Crazytel-Api-Key': 'my-own-demo-key-0123456789' },
      });
      assert.equal(res.status, 401, 'no demo account, so no key works');
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
    const sqlite = new SqliteDatabase(join(dir, 'plain', 'bilby.db'), { readonly: true });
    const counts = sqlite.prepare('select (select count(*) from phone_number) as numbers, (select count(*) from account) as accounts').get();
    sqlite.close();
    assert.deepEqual(counts, { numbers: 0, accounts: 0 });
  });

  it('reports every bad configuration variable at once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/src/main.ts', 'serve'], {
      env: { ...process.env, PORT: 'eighty', BILBY_CARRIER_FAILURE_RATE: '2', BILBY_DEMO_API_KEY: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    for (const name of ['PORT', 'BILBY_CARRIER_FAILURE_RATE', 'BILBY_DEMO_API_KEY']) assert.match(stderr, new RegExp(name));
  });

  it('bilby migrate applies every migration to a new database; bilby recover runs one recovery pass', async () => {
    const env = { BILBY_DATABASE_URL: `file:${join(dir, 'migrate', 'bilby.db')}`, BILBY_LOG_LEVEL: 'warn' };
    const first = await runCli(['migrate'], env);
    assert.deepEqual([first.code, first.stdout], [0, `Applied: ${MIGRATION_NAMES.join(', ')}\n`], first.stderr);
    const recovery = await runCli(['recover'], env);
    assert.deepEqual([recovery.code, recovery.stdout], [0, 'Recovery: 0 completed, 0 failed, 0 unresolved\nReleases: 0 completed, 0 unresolved\nRestores: 0 completed, 0 failed, 0 unresolved\nUpstream changes: 0 pushed, 0 postponed\n'], recovery.stderr);
  });
});
