import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { writeInventoryCsv } from '../bench/inventory-csv.js';
import { createClient } from '../sdk/src/index.js';
import { startServer } from './helpers/server-process.js';

const ROWS = 1_000_000;
const ADMIN_KEY = 'million-row-admin-key-000';

/** Peak resident memory of a process so far (Linux), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

it(
  'imports a 1,000,000-row CSV through a real server in bounded memory',
  { skip: process.platform !== 'linux' && 'reads peak memory from /proc: Linux only' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-million-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'numbers.csv');
    const expected = await writeInventoryCsv(file, ROWS);
    const server = await startServer([], { BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`, BILBY_ADMIN_KEY: ADMIN_KEY });
    t.after(() => server.stop());
    const admin = createClient({ baseUrl: server.base, adminKey: ADMIN_KEY, timeoutMs: 600_000 }).admin;
    await admin.prices.set('mobile', { setup_cost: 1, monthly_cost: 9.95 });
    const baselineMb = peakRssMb(server.child.pid!);

    const started = performance.now();
    const report = await admin.inventory.import(createReadStream(file, { highWaterMark: 256 * 1024 }));
    const seconds = (performance.now() - started) / 1000;
    const peakMb = peakRssMb(server.child.pid!);
    t.diagnostic(
      `1,000,000 rows (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s = ${Math.round(ROWS / seconds).toLocaleString('en')} rows/s; ` +
        `server peak RSS ${peakMb.toFixed(0)} MB (${baselineMb.toFixed(0)} MB before the import)`,
    );
    assert.deepEqual(
      { rows: report.rows, added: report.added, skipped: report.skipped, rejected: report.rejected },
      { rows: ROWS, added: expected.good, skipped: expected.duplicates, rejected: expected.bad },
    );
    assert.equal(report.rejections.length, Math.min(1_000, expected.bad));
    assert.equal(report.rejections[0]?.line, 1_001);
    // Bounded: the import's own memory does not grow with the file (41 MB of CSV, a million row
    // objects if it were held whole); the rest is the process's baseline under tsx.
    assert.ok(peakMb - baselineMb < 200, `the import raised the server's peak memory from ${baselineMb.toFixed(0)} to ${peakMb.toFixed(0)} MB`);
    const counts = await admin.inventory.counts();
    assert.equal(counts.by_status.available, expected.good);
  },
);
