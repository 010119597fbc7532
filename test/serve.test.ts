import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { MIGRATION_NAMES } from '../src/store/migrate.js';
import { runCli } from './helpers/cli.js';
import { startServer } from './helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bilby-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const serve = startServer;

describe('bilby serve', () => {
  it('with --demo on a new database prints a demo key that can follow the seed’s purchase process', async () => {
    const databaseUrl = `file:${join(dir, 'demo', 'bilby.db')}`;
    const server = await serve(['--demo'], { BILBY_DATABASE_URL: databaseUrl });
    try {
      const key = /bilby_live_[A-Za-z0-9]+/.exec(server.output())?.[0];
      assert.ok(key, `printed a key: ${server.output()}`);
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
      assert.doesNotMatch(again.output(), /bilby_live_/, 'no new generated key on an existing database');
      const res = await fetch(`${again.base}/api/v1/phone-numbers`, { headers: { 'X-Crazytel-Api-Key': 'my-own-demo-key-0123456789' } });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as any).results.map((n: { did_number: string }) => n.did_number), ['61400000000']);
    } finally {
      await again.stop();
    }
  });

  it('without --demo seeds nothing', async () => {
    const server = await serve([], { BILBY_DATABASE_URL: `file:${join(dir, 'plain', 'bilby.db')}` });
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
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
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
    assert.deepEqual([recovery.code, recovery.stdout], [0, 'Recovery: 0 completed, 0 failed, 0 unresolved\n'], recovery.stderr);
  });
});
