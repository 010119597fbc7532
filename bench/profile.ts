import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../sdk/src/index.js';
import { writeInventoryCsv } from './inventory-csv.js';
import { ensureInventoryDatabase } from './inventory-db.js';
import { load } from './load.js';
import { startProcess } from './processes.js';
import { preparePostgres } from './postgres-purchase.js';
import { loadPurchases, preparePurchaseDatabase } from './purchase-setup.js';
import { searchQueries } from './search-queries.js';

/**
 * `npm run bench:profile -- purchase|postgres|search|import`: loads the server (from source, so the profile names
 * our files) under `node --cpu-prof` and prints where its CPU time went: self time by module and
 * the hottest functions. PROFILE_SECONDS sets the load's length, PROFILE_CONNECTIONS the purchase loads' concurrency
 * (below saturation the samples are CPU time; at saturation they include time waiting for a core).
 */
const what = process.argv[2] ?? 'purchase';
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const DATA = join('bench', '.data');
const PROFILES = join(DATA, 'profiles');
const log = (line: string) => process.stdout.write(`${line}\n`);
const ADMIN_KEY = 'profile-admin-key-0123456789';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

rmSync(PROFILES, { recursive: true, force: true });
mkdirSync(PROFILES, { recursive: true });
const env = { BILBY_RATE_LIMIT_PER_MINUTE: '0', BILBY_LOG_LEVEL: 'warn', BILBY_CARRIER_LATENCY_MS: '0', BILBY_RECOVERY_INTERVAL_MS: '600000', BILBY_PROFILE_SQL: '1' };
const server = [process.execPath, '--cpu-prof', '--cpu-prof-dir', PROFILES, ...(process.env.PROFILE_DIST ? ['cli/dist/bilby.mjs'] : ['--import', 'tsx', 'cli/src/main.ts']), 'serve'];

if (what === 'purchase') {
  const stock = join(DATA, 'inventory-200000.db');
  await ensureInventoryDatabase(stock, 200_000, log);
  const path = join(DATA, 'profile-run.db');
  const buyers = await preparePurchaseDatabase(stock, path, 64);
  const carrier = join(DATA, 'profile-carrier.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${carrier}${suffix}`, { force: true });
  const running = await startProcess(server, { ...env, BILBY_DATABASE_URL: `file:${path}`, BILBY_CARRIER_DATABASE_URL: `file:${carrier}` });
  const result = await loadPurchases(running.base, buyers, { seconds: SECONDS, connections: Number(process.env.PROFILE_CONNECTIONS ?? 50) });
  const metrics = await (await fetch(`${running.base}/metrics`)).text();
  const commits = Number(/^bilby_database_commits_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
  log(`purchase: ${Math.round(result.rps)} /s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, ${(commits / result.requests).toFixed(2)} durable commits each`);
  await running.stop();
  log(running.output());
  summarise(result.requests - result.non2xx, running.readyMs);
} else if (what === 'postgres') {
  const stock = join(DATA, 'inventory-200000.db');
  await ensureInventoryDatabase(stock, 200_000, log);
  const { url, buyers } = await preparePostgres(process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432', stock, 64);
  const carrier = join(DATA, 'profile-carrier.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${carrier}${suffix}`, { force: true });
  const running = await startProcess(server, { ...env, BILBY_DATABASE_URL: url, BILBY_CARRIER_DATABASE_URL: `file:${carrier}` });
  const result = await loadPurchases(running.base, buyers, { seconds: SECONDS, connections: Number(process.env.PROFILE_CONNECTIONS ?? 50) });
  log(`purchase on PostgreSQL: ${Math.round(result.rps)} /s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`);
  await running.stop();
  log(running.output());
  summarise(result.requests - result.non2xx, running.readyMs);
} else if (what === 'import') {
  const csv = join(DATA, 'profile-import.csv');
  const rows = Number(process.env.PROFILE_IMPORT_ROWS ?? 300_000);
  await writeInventoryCsv(csv, rows);
  const path = join(DATA, 'profile-import.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const running = await startProcess(server, { ...env, BILBY_ADMIN_KEY: ADMIN_KEY, BILBY_DATABASE_URL: `file:${path}`, BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, 'profile-carrier.db')}` });
  const admin = createClient({ baseUrl: running.base, adminKey: ADMIN_KEY, timeoutMs: 3_600_000 }).admin;
  const started = performance.now();
  const report = await admin.inventory.import(createReadStream(csv, { highWaterMark: 256 * 1024 }));
  const seconds = (performance.now() - started) / 1000;
  log(`import: ${rows} rows in ${seconds.toFixed(1)} s, ${Math.round(rows / seconds)} rows/s, added ${report.added}`);
  await running.stop();
  log(running.output());
  summarise(rows, running.readyMs);
} else {
  const rows = Number(process.env.BENCH_SEARCH_ROWS ?? 10_000_000);
  const database = join(DATA, `inventory-${rows}.db`);
  await ensureInventoryDatabase(database, rows, log);
  const running = await startProcess(server, { ...env, BILBY_DATABASE_URL: `file:${database}`, BILBY_CARRIER_DATABASE_URL: `file:${join(DATA, 'search-carrier.db')}` });
  const { createAccount } = await import('../server/src/services/create-account.js');
  const { createDatabase } = await import('../server/src/store/database.js');
  const opened = createDatabase(`file:${database}`);
  const { apiKey } = await createAccount({ database: opened, clock: () => new Date() }, { name: `Profile ${Date.now()}` });
  await opened.close();
  const queries = searchQueries(10_000);
  let next = 0;
  const result = await load({ url: running.base, seconds: SECONDS, headers: { 'x-api-key': apiKey }, next: () => ({ path: queries[next++ % queries.length]! }) });
  log(`search: ${Math.round(result.rps)} /s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`);
  await running.stop();
  log(running.output());
  summarise(result.requests - result.non2xx, running.readyMs);
}

/** Self time per module and function, counting only samples after the server was ready. */
function summarise(answered: number, readyMs: number): void {
  const file = readdirSync(PROFILES).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no profile');
  const profile = JSON.parse(readFileSync(join(PROFILES, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    elapsedUs += profile.timeDeltas[i] ?? 0;
    if (elapsedUs > readyMs * 1000) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy += us;
    const module = moduleOf(frame.url, frame.functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const per = (us: number) => `${(us / Math.max(1, answered)).toFixed(1)} µs/request`;
  log(`\nbusy ${(busy / 1e6).toFixed(2)} s over ${answered} answered requests: ${per(busy)}\n\nby module:`);
  for (const [name, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`  ${per(us).padStart(20)}  ${name}`);
  log('\nhottest functions (self time):');
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) log(`  ${per(us).padStart(20)}  ${name}`);
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const source = /\/(src\/[^/]+)\//.exec(url);
  return source ? source[1]! : shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(process.cwd() + '/', '');
}
