import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createClient } from '../src/sdk/index.js';
import { startServer } from './helpers/server-process.js';

const ADMIN_KEY = 'bin-test-admin-key-0000';

describe('the built bin', () => {
  it('serves the API, its reference page and imports from the bundle, and starts from its code cache the second time', async (t) => {
    // Bundled inside node_modules, where the bundle finds better-sqlite3 and swagger-ui's files as it does in dist.
    mkdirSync('node_modules/.cache', { recursive: true });
    const out = mkdtempSync(join('node_modules/.cache', 'bilby-bin-'));
    const data = mkdtempSync(join(tmpdir(), 'bilby-bin-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    t.after(() => rmSync(data, { recursive: true, force: true }));
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/bundle.ts', out], { stdio: 'inherit' });
    const env = { BILBY_DATABASE_URL: `file:${join(data, 'bilby.db')}`, BILBY_CARRIER_DATABASE_URL: `file:${join(data, 'carrier.db')}`, BILBY_ADMIN_KEY: ADMIN_KEY };
    const cacheFile = join(out, 'bilby.bundle.js.cache');

    const first = await startServer([], env, join(out, 'bilby.mjs'));
    t.after(() => first.stop());
    // Saved once the server listened, before it answered anything.
    const saved = statSync(cacheFile);
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

    const second = await startServer([], env, join(out, 'bilby.mjs'));
    t.after(() => second.stop());
    assert.equal((await createClient({ baseUrl: second.base, adminKey: ADMIN_KEY }).admin.inventory.counts()).by_status.available, 3);
    // A start that used the cache leaves it as it was; one that could not would have written it again.
    assert.equal(statSync(cacheFile).mtimeMs, saved.mtimeMs);
    assert.ok(readFileSync(cacheFile).length > 1_000_000, 'the cache holds what a start compiles');
    await second.stop();
  });
});
