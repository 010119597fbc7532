import { copyFileSync, createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient } from '../sdk/src/index.js';
import { createAccount } from '../server/src/services/create-account.js';
import { createDatabase } from '../server/src/store/database.js';
import { writeInventoryCsv } from './inventory-csv.js';
import { ensureInventoryDatabase } from './inventory-db.js';
import { load, median } from './load.js';
import { startProcess } from './processes.js';
import { searchQueries } from './search-queries.js';

/**
 * Two builds' searches and CSV imports, interleaved: `npx tsx bench/ab-search-import.ts <bin A> <bin B>`
 * (each a cli/dist/bilby.mjs). Run it from the older tree, as bench/ab-purchase.ts. Each round gives
 * each build its own copy of the same stock database to search (a newer build migrates its copy at
 * start) and an empty database to import the same CSV into; the order alternates between rounds.
 * BENCH_ROUNDS, BENCH_SECONDS, BENCH_SEARCH_ROWS (the stock) and BENCH_IMPORT_ROWS (the CSV) set the sizes.
 */
const [binA, binB] = process.argv.slice(2).map((bin) => resolve(bin));
if (!binA || !binB) throw new Error('usage: ab-search-import.ts <bin A> <bin B>');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SEARCH_ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 1_000_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
const ADMIN_KEY = 'ab-bench-admin-key-0123456789abcdef';
const DATA = join('bench', '.data', 'ab');
mkdirSync(DATA, { recursive: true });
const stock = join('bench', '.data', `inventory-${SEARCH_ROWS}.db`);
await ensureInventoryDatabase(stock, SEARCH_ROWS, console.log);
const csv = join(DATA, `import-${IMPORT_ROWS}.csv`);
await writeInventoryCsv(csv, IMPORT_ROWS);
const queries = searchQueries(10_000);

const env = (path: string, side: string) => ({
  BILBY_RATE_LIMIT_PER_MINUTE: '0',
  BILBY_LOG_LEVEL: 'warn',
  BILBY_ADMIN_KEY: ADMIN_KEY,
  BILBY_DATABASE_URL: `file:${path}`,
  BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, `${side}-carrier.db`)}`,
  BILBY_RECOVERY_INTERVAL_MS: '600000',
  BILBY_BILLING_INTERVAL: 'off',
});

function fresh(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

async function searchKey(path: string): Promise<string> {
  const opened = createDatabase(`file:${path}`);
  const { apiKey } = await createAccount({ database: opened, clock: () => new Date() }, { name: `Search ${Date.now()}` });
  await opened.close();
  return apiKey;
}

const search: Record<'A' | 'B', number[]> = { A: [], B: [] };
const p99: Record<'A' | 'B', number[]> = { A: [], B: [] };
const imports: Record<'A' | 'B', number[]> = { A: [], B: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const side of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
    const bin = side === 'A' ? binA : binB;
    const searched = join(DATA, `${side}-search.db`);
    fresh(searched);
    copyFileSync(stock, searched);
    const key = await searchKey(searched);
    const server = await startProcess([process.execPath, bin, 'serve'], env(searched, side));
    let next = 0;
    const measured = await load({
      url: server.base,
      seconds: SECONDS,
      warmUpSeconds: SECONDS,
      headers: { 'x-api-key': key },
      next: () => ({ path: queries[next++ % queries.length]! }),
    });
    await server.stop();
    search[side].push(measured.rps);
    p99[side].push(measured.p99Ms);

    const imported = join(DATA, `${side}-import.db`);
    fresh(imported);
    const importer = await startProcess([process.execPath, bin, 'serve'], env(imported, side));
    const admin = createClient({ baseUrl: importer.base, adminKey: ADMIN_KEY, timeoutMs: 3_600_000 }).admin;
    const started = performance.now();
    const report = await admin.inventory.import(createReadStream(csv, { highWaterMark: 256 * 1024 }));
    const rate = report.rows / ((performance.now() - started) / 1000);
    await importer.stop();
    imports[side].push(rate);
    console.log(
      `round ${round + 1} ${side}: search ${Math.round(measured.rps)} req/s p99 ${measured.p99Ms} ms (${measured.non2xx} non-2xx, ${measured.errors} errors); ` +
        `import ${Math.round(rate)} rows/s (${report.added} added)`,
    );
  }
}
const line = (name: string, values: Record<'A' | 'B', number[]>) =>
  `${name}: A ${values.A.map(Math.round).join(', ')}; B ${values.B.map(Math.round).join(', ')}; B / A (medians) ${(median(values.B) / median(values.A)).toFixed(3)}`;
console.log(line('search req/s', search));
console.log(line('search p99 ms', p99));
console.log(line('import rows/s', imports));
