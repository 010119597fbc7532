import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { compileCacheOf } from '../cli/src/compile-cache.js';
import { createClient } from '../sdk/src/index.js';
import { createAccount } from '../server/src/services/create-account.js';
import { createDatabase } from '../server/src/store/database.js';
import { durableCommitsPerSecond } from './commit-ceiling.js';
import { writeInventoryCsv } from './inventory-csv.js';
import { ensureInventoryDatabase } from './inventory-db.js';
import { load, median, type LoadResult } from './load.js';
import { memoryOf, sampleMemory, startProcess, type Running } from './processes.js';
import { capturePurchaseSql, PGBENCH_SCRIPT, preparePostgres, runPgbench, writePgbenchScript, type CapturedQuery } from './postgres-purchase.js';
import { loadPurchases, preparePurchaseDatabase, type Buyers } from './purchase-setup.js';
import { searchQueries } from './search-queries.js';
import { captureSqlitePurchase, replaySqlitePurchases } from './sqlite-purchase-floor.js';
import { captureSearchSql, replaySearchSql, replaySearchSqlOnThreads } from './search-floor.js';
import { replayImportedRows } from './import-floor.js';
import { floorInputs, replayPostgresPurchases } from './postgres-floor.js';
import { benchBilling } from './billing.js';
import { benchReseller } from './reseller.js';
import type { Row } from './row.js';

/**
 * `npm run bench`: Bilby against the machine's own ceilings, measured in the same run, each figure
 * the median of RUNS runs. Writes bench/results.md. BENCH_SECONDS, BENCH_RUNS and
 * BENCH_SEARCH_ROWS change the sizes; BENCH_ONLY=search,purchase,postgres,import,footprint,reseller,billing picks figures;
 * BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432) is where bilby_bench is made.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEARCH_ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 10_000_000);
/**
 * Each new server process (and ceiling) first takes this many seconds of the same load, unmeasured,
 * so that the figures are of JIT-compiled code. The 4 PostgreSQL processes each see a quarter of the
 * load and take three times as long: measured, 4 cold processes gave 324 purchases/s in their first
 * 10 s, then 411, 440, 466, 463 and 470.
 */
const WARM_UP = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'search,purchase,postgres,import,footprint,reseller,billing').split(','));
const DATA = join('bench', '.data');
const SERVER = ['cli/dist/bilby.mjs', 'serve'];
/** Node's compile cache for the bin's starts (Node 22 and later), and the bin's own (Node 20). */
const COMPILE_CACHE = join(DATA, 'compile-cache');
const BIN_CODE_CACHE = compileCacheOf('cli/dist/bilby.bundle.cjs');
const CEILING = [process.execPath, '--import', 'tsx', 'bench/ceiling-server.ts'];
const HTTP_FLOOR = [process.execPath, '--import', 'tsx', 'bench/postgres-http-floor.ts'];
const ADMIN_KEY = 'bench-admin-key-0123456789';
/** The server's reader threads (its default BILBY_SQLITE_READERS). */
const READERS = 2;
/**
 * PostgreSQL connections per server process: 4 processes of 3 share this 2-core machine with
 * PostgreSQL better than the default 10 each (measured: about 360 purchases/s against 315).
 */
const POOL_SIZE = 3;
const DATABASE_CONNECTIONS = 4 * POOL_SIZE;
const LOAD_CONNECTIONS = 50;
/** Buyers taking turns: a reseller's customers, not one account every purchase contends for. */
const BUYERS = 64;
const BASE_ENV = { BILBY_RATE_LIMIT_PER_MINUTE: '0', BILBY_LOG_LEVEL: 'warn', BILBY_ADMIN_KEY: ADMIN_KEY, BILBY_SQLITE_READERS: String(READERS) };

const rows: Row[] = [];
let capturedStatements = 0;
let capturedSqliteStatements = 0;
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const failures = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.non2xx + r.errors, 0);

async function benchSearch(memory: number[]): Promise<void> {
  const database = join(DATA, `inventory-${SEARCH_ROWS}.db`);
  log(`search: stock database of ${fmt(SEARCH_ROWS)} numbers`);
  await ensureInventoryDatabase(database, SEARCH_ROWS, log);
  await warmPageCache(database);
  const server = await startProcess(SERVER, { ...BASE_ENV, BILBY_DATABASE_URL: `file:${database}`, BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, 'search-carrier.db')}` });
  const key = await searchKey(database);
  const queries = searchQueries(10_000);
  let sampleBytes = 0;
  for (const query of queries.slice(0, 50)) sampleBytes += (await (await fetch(server.base + query, { headers: { 'x-api-key': key } })).text()).length;
  const ceiling = await startProcess(CEILING, { CEILING_GET_BYTES: String(Math.round(sampleBytes / 50)) });
  let next = 0;
  const bilbyRuns: LoadResult[] = [];
  const ceilingRuns: LoadResult[] = [];
  const stopSampling = sampleMemory([server.pid]);
  for (let run = 0; run < RUNS; run++) {
    // One server and one ceiling serve every run: only the first run warms them up.
    const warmUpSeconds = run === 0 ? WARM_UP : 0;
    ceilingRuns.push(await load({ url: `${ceiling.base}/ceiling`, seconds: SECONDS, warmUpSeconds }));
    bilbyRuns.push(
      await load({
        url: server.base,
        seconds: SECONDS,
        warmUpSeconds,
        headers: { 'x-api-key': key },
        next: () => ({ path: queries[next++ % queries.length]! }),
      }),
    );
    log(`  run ${run + 1}: bilby ${fmt(bilbyRuns[run]!.rps)} req/s p99 ${bilbyRuns[run]!.p99Ms} ms; ceiling ${fmt(ceilingRuns[run]!.rps)} req/s p99 ${ceilingRuns[run]!.p99Ms} ms`);
  }
  memory.push(stopSampling());
  log(`  highest RSS of a server process: ${fmt(memory.at(-1)!)} MB`);
  await ceiling.stop();
  await server.stop();
  log('  replaying the searches\' own SQL');
  const captured = await captureSearchSql(database, key, queries);
  const floors: number[] = [];
  for (let run = 0; run < RUNS; run++) floors.push(replaySearchSql(database, captured, SECONDS));
  const floor = median(floors);
  const threadFloors: number[] = [];
  for (let run = 0; run < RUNS; run++) threadFloors.push(await replaySearchSqlOnThreads(database, captured, SECONDS, READERS));
  const threadFloor = median(threadFloors);
  const rps = median(bilbyRuns.map((r) => r.rps));
  const ceilingRps = median(ceilingRuns.map((r) => r.rps));
  const p99 = median(bilbyRuns.map((r) => r.p99Ms));
  const ceilingP99 = median(ceilingRuns.map((r) => r.p99Ms));
  rows.push({
    figure: `search, ${fmt(SEARCH_ROWS)} numbers, ${fmt(queries.length)} distinct queries (req/s)`,
    bilby: fmt(rps),
    ceiling: `${fmt(ceilingRps)} (bare GET, ${Math.round(sampleBytes / 50)} B body)`,
    ratio: `${fmt((rps / ceilingRps) * 100)}%`,
    target: '≥ 50%',
    met: rps / ceilingRps >= 0.5,
    notes: `non-2xx or errors: ${failures(bilbyRuns)}`,
  });
  rows.push({
    figure: 'search p99 latency (ms)',
    bilby: fmt(p99),
    ceiling: fmt(ceilingP99),
    ratio: `${fmt(p99 / Math.max(1, ceilingP99), 1)}×`,
    target: '≤ 2×',
    met: p99 <= 2 * Math.max(1, ceilingP99),
    notes: `${fmt(rps)} searches/s at 50 connections is ${fmt(1000 * 50 / Math.max(1, rps))} ms each by Little's law`,
  });
  rows.push({
    figure: `the same searches' own SQL (${fmt(captured.reduce((n, statements) => n + statements.length, 0) / captured.length, 1)} statements each) replayed raw (searches/s)`,
    bilby: fmt(rps),
    ceiling: fmt(floor),
    ratio: `${fmt((rps / floor) * 100)}%; the SQL alone is ${fmt((floor / ceilingRps) * 100)}% of GET`,
    target: '',
    met: null,
    notes: 'no HTTP, JSON or query building, one connection: a floor under any single-threaded server running this SQL',
  });
  rows.push({
    figure: `the same SQL replayed raw on ${READERS} connections at once, each on its own thread (searches/s)`,
    bilby: fmt(rps),
    ceiling: fmt(threadFloor),
    ratio: `${fmt((rps / threadFloor) * 100)}%; the SQL alone is ${fmt((threadFloor / ceilingRps) * 100)}% of GET`,
    target: '',
    met: null,
    notes: `the floor under a server answering searches on ${READERS} reader threads (BILBY_SQLITE_READERS, default ${READERS}), as Bilby does`,
  });
}

/**
 * Reads the database file once, so that the operating system's page cache holds it as it would
 * for a server that has been answering searches for a while. Without it the first run measures the
 * disk: seen here after other work evicted the 3.8 GB file, 11 searches/s instead of hundreds.
 */
async function warmPageCache(path: string): Promise<void> {
  const started = performance.now();
  for await (const _chunk of createReadStream(path, { highWaterMark: 8 << 20 })) {
    // reading is the point
  }
  log(`  read the database file into the page cache in ${fmt((performance.now() - started) / 1000, 1)} s`);
}

/** The bench account's key, made once in the stock database. */
async function searchKey(database: string): Promise<string> {
  const opened = createDatabase(`file:${database}`);
  const { apiKey } = await createAccount({ database: opened, clock: () => new Date() }, { name: `Search ${Date.now()}` });
  await opened.close();
  return apiKey;
}

async function benchPurchase(memory: number[]): Promise<void> {
  const stock = join(DATA, 'inventory-200000.db');
  await ensureInventoryDatabase(stock, 200_000, log);
  const bilbyRuns: LoadResult[] = [];
  const ceilingRuns: LoadResult[] = [];
  const commitRates: number[] = [];
  const commitsPerPurchase: number[] = [];
  const sqlFloors: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const path = join(DATA, 'purchase-run.db');
    const buyers = await preparePurchaseDatabase(stock, path, BUYERS);
    const carrier = join(DATA, 'purchase-carrier.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${carrier}${suffix}`, { force: true });
    const server = await startProcess(SERVER, {
      ...BASE_ENV,
      BILBY_DATABASE_URL: `file:${path}`,
      BILBY_CARRIER_DATABASE_URL: `file:${carrier}`,
      BILBY_CARRIER_LATENCY_MS: '0',
      BILBY_RECOVERY_INTERVAL_MS: '600000',
    });
    const ceiling = await startProcess(CEILING, { CEILING_POST_BYTES: '200' });
    ceilingRuns.push(
      await load({
        url: `${ceiling.base}/ceiling`,
        method: 'POST',
        seconds: SECONDS,
        warmUpSeconds: WARM_UP,
        headers: { 'content-type': 'application/json' },
        next: () => ({ body: '{"did_number":"61291234567"}' }),
      }),
    );
    commitRates.push(durableCommitsPerSecond(join(DATA, 'commit-probe.db'), 5));
    sqlFloors.push(await sqlFloor(stock));
    const stopSampling = sampleMemory([server.pid]);
    const counter = { next: 0 };
    // Warmed up apart from the measured load, so that the commits counted are the measured load's.
    const warmUp = await loadPurchases(server.base, buyers, { counter, seconds: WARM_UP });
    const commitsBefore = await commitsOf(server.base);
    const measured = await loadPurchases(server.base, buyers, { counter, seconds: SECONDS });
    memory.push(stopSampling());
    log(`  highest RSS of a server process: ${fmt(memory.at(-1)!)} MB`);
    const purchases = measured.requests - measured.non2xx - measured.errors;
    commitsPerPurchase.push(((await commitsOf(server.base)) - commitsBefore) / Math.max(1, purchases));
    const result = { ...measured, non2xx: measured.non2xx + warmUp.non2xx, errors: measured.errors + warmUp.errors };
    bilbyRuns.push(result);
    log(
      `  run ${run + 1}: bilby ${fmt(result.rps)} purchases/s (${fmt(commitsPerPurchase[run]!, 2)} commits each, ${result.non2xx} non-2xx), ` +
        `bare POST ${fmt(ceilingRuns[run]!.rps)} req/s, durable commits ${fmt(commitRates[run]!)} /s, its SQL replayed ${fmt(sqlFloors[run]!)} /s`,
    );
    await ceiling.stop();
    await server.stop();
  }
  const rps = median(bilbyRuns.map((r) => r.rps));
  const post = median(ceilingRuns.map((r) => r.rps));
  const commitRate = median(commitRates);
  const perPurchase = median(commitsPerPurchase);
  const floor = median(sqlFloors);
  rows.push({
    figure: 'purchase, SQLite durable as synchronous=FULL (each answer after its fdatasync), simulated carrier without latency (purchases/s)',
    bilby: fmt(rps),
    ceiling: `${fmt(post)} (bare POST); ${fmt(commitRate)} durable one-row commits/s`,
    ratio: `${fmt((rps / post) * 100)}% of POST; ${fmt(rps / commitRate, 2)}× the commit rate`,
    target: '≥ 25% of POST',
    met: rps / post >= 0.25,
    notes: `non-2xx or errors: ${failures(bilbyRuns)}; the connection runs synchronous=NORMAL and Bilby fdatasyncs the WAL itself before answering (server/src/store/sqlite/sqlite-wal-sync.ts)`,
  });
  rows.push({
    figure: `the purchase's own SQL (${capturedSqliteStatements} statements) replayed raw, 16 purchases per synced commit (purchases/s)`,
    bilby: fmt(rps),
    ceiling: fmt(floor),
    ratio: `${fmt((rps / floor) * 100)}%; the SQL alone is ${fmt((floor / post) * 100)}% of POST`,
    target: '',
    met: null,
    notes: 'no HTTP, JSON or query building: a floor under any server running this SQL',
  });
  rows.push({
    figure: 'durable commits per purchase (counted)',
    bilby: fmt(perPurchase, 2),
    ceiling: '',
    ratio: '',
    target: '≤ 0.5',
    met: perPurchase <= 0.5,
    notes: 'Δ bilby_database_commits_total / purchases answered 200',
  });
}

async function benchPostgres(memory: number[]): Promise<void> {
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
    execFileSync('pg_isready', ['-d', `${serverUrl}/postgres`], { stdio: 'ignore' });
  } catch {
    log('postgres: skipped (pgbench or PostgreSQL at BENCH_POSTGRES_URL not available)');
    rows.push({ figure: 'purchase, PostgreSQL, 4 processes', bilby: 'not run', ceiling: '', ratio: '', target: '≥ 60% of pgbench', met: null, notes: 'PostgreSQL or pgbench unavailable' });
    return;
  }
  // Five shares of distinct numbers a run: two pgbench runs, the two floors and Bilby.
  const stock = join(DATA, 'inventory-300000.db');
  await ensureInventoryDatabase(stock, 300_000, log);
  const bilbyRps: number[] = [];
  const pgbenchAtLoad: number[] = [];
  const pgbenchAtPool: number[] = [];
  const floorRps: number[] = [];
  const httpFloorRps: number[] = [];
  let failed = 0;
  for (let run = 0; run < RUNS; run++) {
    const { url, buyers } = await preparePostgres(serverUrl, stock, BUYERS);
    const captured = await capturePurchaseSql(url, buyers);
    capturedStatements = captured.length;
    const eighth = Math.floor(buyers.numbers.length / 8);
    const third = Math.floor((buyers.numbers.length - 2 * eighth) / 3);
    const forPgbench = buyers.numbers.slice(0, 2 * eighth);
    const forFloor = { ...buyers, numbers: buyers.numbers.slice(2 * eighth, 2 * eighth + third) };
    const forHttpFloor = { ...buyers, numbers: buyers.numbers.slice(2 * eighth + third, 2 * eighth + 2 * third) };
    buyers.numbers = buyers.numbers.slice(2 * eighth + 2 * third);
    const script = await writePgbenchScript(url, captured, buyers, forPgbench, PGBENCH_SCRIPT);
    const atLoad = runPgbench(url, script, LOAD_CONNECTIONS, SECONDS, { from: 0, count: eighth, firstId: 0 });
    const atPool = runPgbench(url, script, DATABASE_CONNECTIONS, SECONDS, { from: eighth, count: eighth, firstId: 10_000_000 });
    pgbenchAtLoad.push(atLoad.tps);
    pgbenchAtPool.push(atPool.tps);
    const floor = await replayPostgresPurchases(url, captured, forFloor, { processes: 4, connections: DATABASE_CONNECTIONS, seconds: SECONDS, warmUpSeconds: 3 * WARM_UP, dataDir: DATA });
    floorRps.push(floor.rps);
    const httpFloor = await postgresHttpFloor(url, captured, forHttpFloor);
    httpFloorRps.push(httpFloor.rps);

    const servers = [];
    for (let i = 0; i < 4; i++) {
      // A carrier's books per process: one SQLite file shared by four processes would make them
      // queue for its write lock, which a real (remote) carrier does not impose.
      const carrier = join(DATA, `postgres-carrier-${i}.db`);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${carrier}${suffix}`, { force: true });
      servers.push(
        await startProcess(SERVER, {
          ...BASE_ENV,
          BILBY_DATABASE_URL: url,
          BILBY_DATABASE_POOL_SIZE: String(POOL_SIZE),
          BILBY_CARRIER_DATABASE_URL: `file:${carrier}`,
          BILBY_RECOVERY_INTERVAL_MS: '600000',
        }),
      );
    }
    const stopSampling = sampleMemory(servers.map((server) => server.pid));
    const results = await loadAllPurchases(servers, buyers);
    memory.push(stopSampling());
    log(`  highest RSS of a server process: ${fmt(memory.at(-1)!)} MB`);
    for (const server of servers) await server.stop();
    const rps = results.reduce((sum, r) => sum + r.rps, 0);
    failed += failures(results);
    bilbyRps.push(rps);
    log(
      `  run ${run + 1}: bilby (4 processes) ${fmt(rps)} purchases/s, ${failures(results)} non-2xx; pgbench ${fmt(atLoad.tps)} tps at ${LOAD_CONNECTIONS} connections, ` +
        `${fmt(atPool.tps)} at ${DATABASE_CONNECTIONS} (${atLoad.failed + atPool.failed} failed); node-postgres floor ${fmt(floor.rps)} /s (${floor.failures} failed), ` +
        `behind HTTP ${fmt(httpFloor.rps)} /s (${httpFloor.failures} non-2xx)`,
    );
  }
  const rps = median(bilbyRps);
  const atLoad = median(pgbenchAtLoad);
  const atPool = median(pgbenchAtPool);
  // The ceiling is the better of pgbench with the load's connections and with Bilby's own.
  const tps = Math.max(atLoad, atPool);
  rows.push({
    figure: `purchase, PostgreSQL, 4 server processes of ${POOL_SIZE} connections, ${capturedStatements} statements a purchase (purchases/s)`,
    bilby: fmt(rps),
    ceiling: `${fmt(tps)} (pgbench, the captured SQL: ${fmt(atLoad)} at ${LOAD_CONNECTIONS} connections, ${fmt(atPool)} at ${DATABASE_CONNECTIONS})`,
    ratio: `${fmt((rps / tps) * 100)}%`,
    target: '≥ 60%',
    met: rps / tps >= 0.6,
    notes:
      `non-2xx or errors: ${failed}; the purchase's transactions READ COMMITTED with row locks, as captured (pgbench -M prepared --max-tries=30); ` +
      `each run against its own pgbench: ${bilbyRps.map((r, i) => `${fmt((r / Math.max(pgbenchAtLoad[i]!, pgbenchAtPool[i]!)) * 100)}%`).join(', ')}`,
  });
  const floor = median(floorRps);
  rows.push({
    figure: `the same SQL replayed through node-postgres from 4 processes, ${DATABASE_CONNECTIONS} connections (purchases/s)`,
    bilby: fmt(rps),
    ceiling: fmt(floor),
    ratio: `${fmt((rps / floor) * 100)}%; the floor is ${fmt((floor / tps) * 100)}% of pgbench`,
    target: '',
    met: null,
    notes: 'named prepared statements as Bilby sends them; no HTTP, JSON or query building: a floor under any Node.js server running this SQL with this driver',
  });
  const httpFloor = median(httpFloorRps);
  rows.push({
    figure: `the same SQL behind a bare Fastify POST route, 4 processes of ${POOL_SIZE} connections (purchases/s)`,
    bilby: fmt(rps),
    ceiling: fmt(httpFloor),
    ratio:
      `${fmt((rps / httpFloor) * 100)}%; this floor is ${fmt((httpFloor / tps) * 100)}% of pgbench ` +
      `(each run against its own: ${httpFloorRps.map((r, i) => `${fmt((r / Math.max(pgbenchAtLoad[i]!, pgbenchAtPool[i]!)) * 100)}%`).join(', ')})`,
    target: '',
    met: null,
    notes: 'the load of Bilby\'s purchases (same bodies, connections and warm-up); no validation, authentication, query building or carrier: a floor under any Node.js HTTP server running this SQL with this driver',
  });
}

/** The load's 50 connections spread over the 4 PostgreSQL-phase servers, each purchase a number none other buys. */
function loadAllPurchases(servers: Running[], buyers: Buyers): Promise<LoadResult[]> {
  const counter = { next: 0 };
  return Promise.all(
    servers.map((server, i) =>
      loadPurchases(server.base, buyers, {
        counter,
        connections: Math.floor(LOAD_CONNECTIONS / servers.length) + (i < LOAD_CONNECTIONS % servers.length ? 1 : 0),
        seconds: SECONDS,
        warmUpSeconds: 3 * WARM_UP,
      }),
    ),
  );
}

/** The PostgreSQL HTTP floor (bench/postgres-http-floor.ts), loaded as Bilby's servers are. */
async function postgresHttpFloor(url: string, captured: CapturedQuery[], buyers: Buyers): Promise<{ rps: number; failures: number }> {
  const inputs = await floorInputs(url, captured, buyers, 4, DATABASE_CONNECTIONS, 4);
  const servers = [];
  for (const input of inputs) {
    const path = join(DATA, `postgres-http-floor-${input.worker}.json`);
    writeFileSync(path, JSON.stringify(input));
    servers.push(await startProcess(HTTP_FLOOR, { FLOOR_INPUT: path, CEILING_POST_BYTES: '200' }));
  }
  const results = await loadAllPurchases(servers, buyers);
  for (const server of servers) await server.stop();
  return { rps: results.reduce((sum, r) => sum + r.rps, 0), failures: failures(results) };
}

/** The captured purchase SQL replayed raw on a fresh copy of the stock (bench/sqlite-purchase-floor.ts). */
async function sqlFloor(stock: string): Promise<number> {
  const path = join(DATA, 'purchase-floor.db');
  const buyers = await preparePurchaseDatabase(stock, path, BUYERS);
  const captured = await captureSqlitePurchase(path, buyers);
  capturedSqliteStatements = captured.length;
  return replaySqlitePurchases(path, captured, buyers, SECONDS);
}

async function commitsOf(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^bilby_database_commits_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function benchImport(): Promise<void> {
  const csv = join(DATA, 'import-1m.csv');
  const expected = await writeInventoryCsv(csv, 1_000_000);
  const path = join(DATA, 'import-run.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const server = await startProcess(SERVER, { ...BASE_ENV, BILBY_DATABASE_URL: `file:${path}`, BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, 'import-carrier.db')}` });
  const admin = createClient({ baseUrl: server.base, adminKey: ADMIN_KEY, timeoutMs: 3_600_000 }).admin;
  await admin.prices.set('mobile', { setup_cost: 1, monthly_cost: 9.95 });
  const started = performance.now();
  const report = await admin.inventory.import(createReadStream(csv, { highWaterMark: 256 * 1024 }));
  const seconds = (performance.now() - started) / 1000;
  const { peakMb } = memoryOf(server.pid);
  await server.stop();
  const rate = report.rows / seconds;
  log(`import: ${fmt(report.rows)} rows in ${fmt(seconds, 1)} s, added ${fmt(report.added)} (expected ${fmt(expected.good)}), peak ${fmt(peakMb)} MB`);
  rows.push({
    figure: 'import, 1,000,000-row CSV through the operator API (rows/s)',
    bilby: fmt(rate),
    ceiling: '',
    ratio: '',
    target: '≥ 100,000',
    met: rate >= 100_000,
    notes: `${fmt(seconds, 1)} s; added ${fmt(report.added)}, skipped ${fmt(report.skipped)}, rejected ${fmt(report.rejected)}`,
  });
  const floor = await replayImportedRows(path, join(DATA, 'import-floor.db'));
  log(`import: the stored rows inserted again raw: ${fmt(floor)} rows/s`);
  rows.push({
    figure: 'the same rows inserted raw into a fresh database (rows/s)',
    bilby: fmt(rate),
    ceiling: fmt(floor),
    ratio: `${fmt((rate / floor) * 100)}%`,
    target: '',
    met: null,
    notes: 'the columns the import wrote, prepared 500-row INSERTs, 1,000 rows per synced commit, the schema\'s indexes on phone_number: a floor under any import into it',
  });
  rows.push({ figure: 'import peak memory of the server (MB)', bilby: fmt(peakMb), ceiling: '', ratio: '', target: '≤ 250', met: peakMb <= 250, notes: 'VmHWM' });
}

async function benchFootprint(memory: number[]): Promise<void> {
  const database = join(DATA, `inventory-${SEARCH_ROWS}.db`);
  await ensureInventoryDatabase(database, SEARCH_ROWS, log);
  const env = { ...BASE_ENV, BILBY_DATABASE_URL: `file:${database}`, BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, 'search-carrier.db')}`, NODE_COMPILE_CACHE: COMPILE_CACHE };
  // The first start compiles the bundle and saves the compiled code; later ones load it.
  rmSync(COMPILE_CACHE, { recursive: true, force: true });
  rmSync(BIN_CODE_CACHE, { force: true });
  const first = await startProcess(SERVER, env);
  await first.stop();
  const times: number[] = [];
  let idleMb = 0;
  for (let run = 0; run < RUNS; run++) {
    const server = await startProcess(SERVER, env);
    times.push(server.readyMs);
    idleMb = memoryOf(server.pid).rssMb;
    await server.stop();
  }
  const ready = median(times);
  log(`footprint: start to ready ${fmt(ready)} ms (the first, saving the code cache: ${fmt(first.readyMs)} ms), idle RSS ${fmt(idleMb)} MB`);
  rows.push({
    figure: `start to ready (/readyz) on ${fmt(SEARCH_ROWS)} numbers (ms)`,
    bilby: fmt(ready),
    ceiling: '',
    ratio: '',
    target: '≤ 500',
    met: ready <= 500,
    notes: `the bundled bin (cli/dist/bilby.mjs serve) with the compiled code its first start saved (that start: ${fmt(first.readyMs)} ms); idle RSS ${fmt(idleMb)} MB`,
  });
  if (memory.length > 0) {
    const highest = Math.max(...memory);
    rows.push({ figure: 'resident memory under load, per process (MB)', bilby: fmt(highest), ceiling: '', ratio: '', target: '≤ 150', met: highest <= 150, notes: 'highest VmRSS sampled during the search and purchase loads' });
  }
}

function writeResults(): void {
  const sqliteVersion = (new SqliteDatabase(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v;
  const lines = [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30)} GiB;`,
    `Node.js ${process.version}, SQLite ${sqliteVersion}; autocannon with 50 connections, ${SECONDS} s a run, each figure the median of ${RUNS} runs,`,
    `the ceiling measured in the same run on the same machine. Rate limiting off. Every new server and ceiling process first takes ${WARM_UP} s of the same load, unmeasured (the 4 PostgreSQL servers and both PostgreSQL floors ${3 * WARM_UP} s).`,
    '',
    '| figure | Bilby | ceiling | ratio | target | met | notes |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.bilby} | ${r.ceiling} | ${r.ratio} | ${r.target} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} | ${r.notes} |`),
    '',
  ];
  // Only a full run replaces the committed table; a partial one (BENCH_ONLY) goes next to the data.
  const path = process.env.BENCH_ONLY ? join(DATA, 'results-partial.md') : join('bench', 'results.md');
  writeFileSync(path, lines.join('\n'));
  log(`\n${lines.slice(6).join('\n')}\nWritten to ${path}`);
}

mkdirSync(DATA, { recursive: true });
log('building the server (npm run build)');
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
const memory: number[] = [];
if (ONLY.has('search')) await benchSearch(memory);
if (ONLY.has('purchase')) await benchPurchase(memory);
if (ONLY.has('postgres')) await benchPostgres(memory);
if (ONLY.has('import')) await benchImport();
if (ONLY.has('footprint')) await benchFootprint(memory);
if (ONLY.has('reseller')) rows.push(...(await benchReseller(log)));
if (ONLY.has('billing')) rows.push(...(await benchBilling(log)));
writeResults();
