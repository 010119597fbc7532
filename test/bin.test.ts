import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createClient } from '../sdk/src/index.js';
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

describe('the built bin', () => {
  it('prints its version, serves the API, its reference page and imports from the bundle, and starts the second time from the compiled code the first saved', async (t) => {
    // Bundled inside node_modules, where the bundle finds better-sqlite3 and swagger-ui's files as it does in dist.
    mkdirSync('node_modules/.cache', { recursive: true });
    const out = mkdtempSync(join('node_modules/.cache', 'bilby-bin-'));
    const data = mkdtempSync(join(tmpdir(), 'bilby-bin-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    t.after(() => rmSync(data, { recursive: true, force: true }));
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/bundle.ts', out], { stdio: 'inherit' });
    const compileCache = join(data, 'compile-cache');
    const env = {
      BILBY_DATABASE_URL: `file:${join(data, 'bilby.db')}`,
      BILBY_CARRIER_DATABASE_URL: `file:${join(data, 'carrier.db')}`,
      BILBY_ADMIN_KEY: ADMIN_KEY,
      NODE_COMPILE_CACHE: compileCache,
    };
    const { version } = JSON.parse(readFileSync('cli/package.json', 'utf8')) as { version: string };
    assert.equal(execFileSync(join(out, 'bilby.mjs'), ['--version'], { encoding: 'utf8' }), `${version}\n`, 'the bundle finds the package.json above it');

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
});
