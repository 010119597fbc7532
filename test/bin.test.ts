import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createClient } from '../sdk/src/index.js';
import { isMigrated, MIGRATION_NAMES } from '../server/src/store/migrate.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { openTestDatabase, POSTGRES_URL } from './helpers/databases.js';
import { startServer } from './helpers/server-process.js';

const ADMIN_KEY = 'bin-test-admin-key-0000';

/** The size of every file under `dir`, by path. */
function filesUnder(dir: string): Map<string, number> {
  const files = new Map<string, number>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), statSync(join(entry.parentPath, entry.name)).size);
  }
  return files;
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const CLI_PACKAGE = JSON.parse(readFileSync('cli/package.json', 'utf8')) as { version: string; dependencies: Record<string, string> };

/**
 * The CLI as `npm install @bilby/cli` lays it out: its build in dist/ beside its package.json, outside
 * this repository, with a node_modules holding only the packages its package.json names (linked to
 * ours). A package the bundle loads at run time but the package does not name is not found there.
 * Built once for the file; each test gets a data folder of its own.
 */
let installed: { root: string; out: string } | undefined;
after(() => installed && rmSync(installed.root, { recursive: true, force: true }));

function installedCli(): { out: string; data: string } {
  installed ??= installCli();
  return { out: installed.out, data: mkdtempSync(join(installed.root, 'data-')) };
}

function installCli(): { root: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'bilby-installed-cli-'));
  const out = join(root, 'dist');
  execFileSync(process.execPath, ['--import', 'tsx', 'tools/bundle.ts', out], { stdio: 'inherit' });
  copyFileSync('cli/package.json', join(root, 'package.json'));
  for (const name of Object.keys(CLI_PACKAGE.dependencies)) {
    mkdirSync(dirname(join(root, 'node_modules', name)), { recursive: true });
    symlinkSync(realpathSync(join('node_modules', name)), join(root, 'node_modules', name), 'dir');
  }
  return { root, out };
}

describe('the built bin', () => {
  it('prints its version, serves the API, its reference page and imports from the bundle, and starts the second time from the compiled code the first saved', async (t) => {
    const { out, data } = installedCli();
    const compileCache = join(data, 'compile-cache');
    const env = {
      BILBY_DATABASE_URL: `file:${join(data, 'bilby.db')}`,
      BILBY_CARRIER_DATABASE_URL: `file:${join(data, 'carrier.db')}`,
      BILBY_ADMIN_KEY: ADMIN_KEY,
      NODE_COMPILE_CACHE: compileCache,
    };
    assert.equal(execFileSync(join(out, 'bilby.mjs'), ['--version'], { encoding: 'utf8' }), `${CLI_PACKAGE.version}\n`, "the CLI package's version");

    const first = await startServer([], env, { bin: join(out, 'bilby.mjs') });
    t.after(() => first.stop());
    // Written once the server listened, before it answered anything: Node's compile cache on Node 22
    // and later, the bin's own beside the bundle on Node 20.
    const ownCache = join(out, 'bilby.bundle.cjs.cache');
    const saved = filesUnder(NODE_MAJOR >= 22 ? compileCache : out);
    assert.equal(existsSync(ownCache), NODE_MAJOR < 22, 'the bin keeps its own cache only where Node keeps none');
    if (NODE_MAJOR >= 22) assert.ok([...saved.values()].reduce((sum, size) => sum + size, 0) > 1_000_000, 'the cache holds the compiled bundle');
    else assert.equal(existsSync(compileCache), false, 'Node 20 has no compile cache of its own');
    const ownSaved = NODE_MAJOR < 22 ? statSync(ownCache) : undefined;
    const savedBundleEntryMtime = NODE_MAJOR >= 22 ? statSync([...saved].sort((a, b) => b[1] - a[1])[0]![0]).mtimeMs : 0;
    if (ownSaved) assert.ok(ownSaved.size > 1_000_000, 'the cache holds what a start compiles');
    const admin = createClient({ baseUrl: first.base, adminKey: ADMIN_KEY }).admin;
    // The import reads its CSV on a thread running the thread bundle beside the bin.
    const rows = ['did_number,number_type,state,city,setup_cost,monthly_cost', ...[0, 1, 2].map((i) => `029000000${i},geographic,NSW,Sydney,1.00,5.00`)];
    assert.equal((await admin.inventory.import(Readable.from([`${rows.join('\n')}\n`]))).added, 3);
    assert.equal((await admin.inventory.counts()).by_status.available, 3);
    // Counts run on the SQLite reader threads, which run their bundles beside the bin too (a reader
    // that fails is reported and its reads go to the server's connection).
    assert.doesNotMatch(first.output(), /SQLite reader thread failed/);
    for (const path of ['/docs/static/swagger-ui.css', '/docs/json']) assert.equal((await fetch(`${first.base}${path}`)).status, 200, path);
    await first.stop();

    const second = await startServer([], env, { bin: join(out, 'bilby.mjs') });
    t.after(() => second.stop());
    assert.equal((await createClient({ baseUrl: second.base, adminKey: ADMIN_KEY }).admin.inventory.counts()).by_status.available, 3);
    // A start that used the cache leaves it as it was: the bundle's compiled code was found.
    if (ownSaved) assert.equal(statSync(ownCache).mtimeMs, ownSaved.mtimeMs);
    else {
      // Node keeps an entry per module; the bundle's is by far the largest.
      const [bundleEntry] = [...saved].sort((a, b) => b[1] - a[1])[0]!;
      assert.equal(statSync(bundleEntry).mtimeMs, savedBundleEntryMtime);
    }
    await second.stop();
  });

  it("issues last month's tax invoices at start and serves their PDF: pdfkit is loaded at run time from the package's dependencies", async (t) => {
    const { out } = installedCli();
    const ctx = await createTestContext(t, 'sqlite');
    // A purchase two months ago, so its month has ended whatever today is.
    ctx.advanceClock(-62 * 86_400_000);
    const buyer = await ctx.createAccount({ name: 'Packaged Pty Ltd' });
    await ctx.seedNumbers(['0291234611']);
    const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '0291234611') });
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    const server = await startServer([], {
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_ADMIN_KEY: ADMIN_KEY,
      BILBY_SUPPLIER_NAME: 'Bilby Telecom Pty Ltd',
      BILBY_SUPPLIER_ABN: '51 824 753 556',
    }, { bin: join(out, 'bilby.mjs') });
    t.after(() => server.stop());
    const admin = createClient({ baseUrl: server.base, adminKey: ADMIN_KEY }).admin;
    const [invoice] = (await admin.invoices.list()).results;
    assert.ok(invoice, `an invoice issued at start: ${server.output()}`);
    assert.deepEqual([invoice.number, invoice.total, invoice.customer.name], [1, 15, 'Packaged Pty Ltd']);
    const pdf = await admin.invoices.pdf(invoice.id).catch((error: unknown) => assert.fail(`${String(error)}: ${server.output()}`));
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString(), '%PDF-');
    assert.ok(pdf.byteLength > 1_000);
  });

  it('migrates a PostgreSQL database with the packages it names: pg is loaded at run time, not bundled', { skip: POSTGRES_URL ? false : 'BILBY_TEST_DATABASE_URL is not set' }, async (t) => {
    const { out, data } = installedCli();
    const database = await openTestDatabase('postgres', data);
    t.after(() => database.dispose());
    const printed = execFileSync(join(out, 'bilby.mjs'), ['migrate'], { encoding: 'utf8', env: { ...process.env, BILBY_DATABASE_URL: database.url } });
    assert.equal(printed, `Applied: ${MIGRATION_NAMES.join(', ')}\n`);
    assert.ok(await isMigrated(database.database), 'every migration is recorded');
  });
});
