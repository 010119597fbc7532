/**
 * The reliability plan's longer runs (`npm run soak`), reported in notes, never part of npm test:
 *   1. kill -9 under load (SQLite): 16 clients buy while the server is killed 30 times.
 *   2. PostgreSQL, 4 processes: demand above supply, 5% carrier failures, 1% carrier hangs,
 *      PostgreSQL restarted mid-run.
 *   3. Soak: mixed traffic for SOAK_MINUTES (default 10) on one server; memory and WAL sampled.
 *   4. kill -9 in reseller mode (SQLite): phase 1 with the crazytel carrier buying from a second
 *      Bilby process as the upstream; checks INV-UPSTREAM-AGREE and one upstream charge per sale.
 * Each phase ends by checking every invariant. Run one phase with SOAK_PHASES=kill,postgres,soak,kill-crazytel.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { createClient } from '../sdk/src/index.js';
import type { Carrier } from '../server/src/carriers/carrier.js';
import { CrazyTelCarrier } from '../server/src/carriers/crazytel/crazytel-carrier.js';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import { ipndRecordsFor } from '../server/src/services/ipnd-records.js';
import { createDatabase, type Database } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';
import { cleanupList } from '../test/helpers/cleanup.js';
import { assertInvariants } from '../test/helpers/invariants.js';
import { startServer, type ServerProcess } from '../test/helpers/server-process.js';
import { startUpstream, UPSTREAM_PRICE, UPSTREAM_ROUTING } from '../test/helpers/upstream.js';
import { purchase, soakAccount, soakNumbers, type SoakAccount } from './setup.js';

const phases = (process.env.SOAK_PHASES ?? 'kill,postgres,soak,kill-crazytel').split(',');
const report: string[] = [];
const log = (line: string) => {
  console.log(line);
  report.push(line);
};

interface Ack {
  orderId: string;
  didNumber: string;
  accountId: string;
}

/** The last answer a client got for one Idempotency-Key. */
interface FinalAnswer {
  account: SoakAccount;
  key: string;
  didNumber: string;
  status: number | 'connection';
  code: string | undefined;
  orderId: string | undefined;
}

/** Answers after which the same key must be asked again: nothing definite was said. */
function indefinite(answer: Pick<FinalAnswer, 'status' | 'code'>): boolean {
  return (
    answer.status === 'connection' ||
    answer.code === 'upstream_pending' ||
    answer.code === 'request_in_progress' ||
    answer.code === 'internal_error'
  );
}

async function ask(base: string, account: SoakAccount, didNumber: string, key: string): Promise<FinalAnswer> {
  try {
    const res = await purchase(base, account, didNumber, key);
    const body = (await res.json()) as { order_id?: string; code?: string };
    return { account, key, didNumber, status: res.status, code: body.code, orderId: body.order_id };
  } catch {
    return { account, key, didNumber, status: 'connection', code: undefined, orderId: undefined };
  }
}

/** Buys until told to stop, retrying a lost answer with the same key until it is definite. */
async function buyer(
  base: () => string,
  account: SoakAccount,
  pick: () => string | undefined,
  answers: FinalAnswer[],
  counts: Record<string, number>,
  running: () => boolean,
): Promise<void> {
  let attempt = 0;
  while (running()) {
    const didNumber = pick();
    if (!didNumber) return;
    const key = `${account.accountId}-${attempt++}`;
    let answer: FinalAnswer;
    for (let tries = 0; ; tries++) {
      answer = await ask(base(), account, didNumber, key);
      const label = typeof answer.status === 'number' ? `${answer.status}${answer.code ? ` ${answer.code}` : ''}` : answer.status;
      counts[label] = (counts[label] ?? 0) + 1;
      // A lost answer, a pending order or a server between lives: ask again with the same key.
      if (!indefinite(answer) || !running()) break;
      await sleep(200);
    }
    answers.push(answer);
  }
}

/**
 * Asks again, on a server that has recovered, every key whose last answer said nothing definite, so
 * that every key ends with an answer that can be checked against the orders. A 409 that stays is a
 * request that died before it tied anything to its key (checked by checkAnswers).
 */
async function settleAnswers(base: string, answers: FinalAnswer[]): Promise<void> {
  for (const [i, answer] of answers.entries()) {
    if (!indefinite(answer)) continue;
    let again = answer;
    for (let tries = 0; tries < 20; tries++) {
      again = await ask(base, answer.account, answer.didNumber, answer.key);
      if (!indefinite(again) || again.code === 'request_in_progress') break;
      await sleep(250);
    }
    answers[i] = again;
  }
}

/**
 * Every key's final answer against the orders: the completed orders are exactly those answered 200
 * (INV-ACK-DURABLE, and no customer charged while told no), each for the number and buyer it was
 * answered for, no number sold twice, and a key answered anything but 200 has no completed order.
 */
async function checkAnswers(database: Database, answers: FinalAnswer[]): Promise<Ack[]> {
  const db = database.db;
  const acks: Ack[] = answers
    .filter((a) => a.status === 200 && a.orderId)
    .map((a) => ({ orderId: a.orderId!, didNumber: a.didNumber, accountId: a.account.accountId }));
  const orderIds = new Set(acks.map((a) => a.orderId));
  if (orderIds.size !== acks.length) throw new Error('an order was acknowledged to two keys');
  const completed = await db.selectFrom('purchase_order').select(['id', 'account_id', 'did_number']).where('status', '=', 'completed').execute();
  const byId = new Map(completed.map((o) => [o.id, o]));
  let lost = 0;
  let wrong = 0;
  for (const ack of acks) {
    const order = byId.get(ack.orderId);
    if (!order) lost++;
    else if (order.account_id !== ack.accountId || order.did_number !== ack.didNumber) wrong++;
  }
  const unacknowledged = completed.filter((o) => !orderIds.has(o.id));
  let toldNo = 0;
  for (const answer of answers) {
    if (answer.status === 200) continue;
    const record = await db
      .selectFrom('idempotency_record')
      .select('result_id')
      .where('scope', '=', answer.account.accountId)
      .where('key', '=', answer.key)
      .executeTakeFirst();
    if (record?.result_id && byId.has(record.result_id)) toldNo++;
  }
  const perNumber = new Map<string, number>();
  for (const order of completed) perNumber.set(order.did_number, (perNumber.get(order.did_number) ?? 0) + 1);
  const duplicates = [...perNumber.values()].filter((n) => n > 1).length;
  const finals: Record<string, number> = {};
  for (const a of answers) {
    const label = typeof a.status === 'number' ? `${a.status}${a.code ? ` ${a.code}` : ''}` : a.status;
    finals[label] = (finals[label] ?? 0) + 1;
  }
  log(
    `   keys ${answers.length}, final answers ${JSON.stringify(finals)}; acknowledged ${acks.length}, lost ${lost}, ` +
      `answered for another number or buyer ${wrong}, completed but never answered 200 ${unacknowledged.length}, ` +
      `completed while answered otherwise ${toldNo}, numbers sold twice ${duplicates}`,
  );
  if (lost + wrong + unacknowledged.length + toldNo + duplicates > 0) {
    throw new Error('INV-ACK-DURABLE, INV-IDEM or INV-ONE-OWNER violated');
  }
  return acks;
}

function rssMb(pid: number): number {
  try {
    return Number(execSync(`ps -o rss= -p ${pid}`).toString().trim()) / 1024;
  } catch {
    return NaN;
  }
}

/** Phase 1, or with `reseller` phase 4: the same kills with the crazytel carrier and a real upstream. */
async function killUnderLoad(reseller = false): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'bilby-soak-kill-'));
  const dbPath = join(dir, 'bilby.db');
  const cleanup = cleanupList();
  const database = createDatabase(`file:${dbPath}`);
  await migrateToLatest(database);
  const accounts = await Promise.all(Array.from({ length: 16 }, () => soakAccount(database, 1_000_000)));
  const numbers = reseller ? await soakNumbers(database, 3_000, 100000, 'crazytel') : await soakNumbers(database, 20_000);
  const upstream = reseller ? await startUpstream(cleanup, { numbers, balance: 100_000 }) : undefined;
  const env: Record<string, string> = {
    BILBY_DATABASE_URL: `file:${dbPath}`,
    BILBY_CARRIER_DATABASE_URL: `file:${join(dir, 'carrier.db')}`,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_RECOVERY_GRACE_MS: '0',
    ...(upstream
      ? {
          BILBY_CARRIER: 'crazytel',
          BILBY_UPSTREAM_URL: upstream.process.base,
          BILBY_UPSTREAM_API_KEY: upstream.resellerKey,
          BILBY_UPSTREAM_ROUTE: UPSTREAM_ROUTING.route,
          BILBY_UPSTREAM_DESTINATION: UPSTREAM_ROUTING.destination,
          // The budget (shared by every life of the server, in its database) paces the upstream
          // calls; a real CrazyTel's 60 a minute would make this phase an hour long.
          BILBY_UPSTREAM_RATE_PER_MINUTE: '3000',
          // Recovery must not ask upstream about a purchase this life is still making: it would
          // fail the order, and the late answer would release a number the reseller paid for.
          BILBY_RECOVERY_GRACE_MS: '3000',
        }
      : {}),
  };
  let server = await startServer([], env);
  const answers: FinalAnswer[] = [];
  const counts: Record<string, number> = {};
  let running = true;
  let next = 0;
  // Mostly distinct numbers, one in five a number another client may be buying too.
  const pick = () => (Math.random() < 0.2 ? numbers[Math.floor(Math.random() * Math.min(next + 50, numbers.length))] : numbers[next++]);
  const clients = accounts.map((a) => buyer(() => server.base, a, pick, answers, counts, () => running));
  for (let kill = 0; kill < 30; kill++) {
    await sleep(500 + Math.random() * 1500);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServer([], env);
  }
  await sleep(1000);
  running = false;
  await Promise.all(clients);
  await server.stop();
  // Nothing is in flight now: recovery at start-up settles the last kill's orders at once.
  const recovered = await startServer([], { ...env, BILBY_RECOVERY_GRACE_MS: '0' });
  await settleAnswers(recovered.base, answers);
  await recovered.stop();
  const carrier: Carrier = upstream
    ? new CrazyTelCarrier({
        client: createClient({ baseUrl: upstream.process.base, apiKey: upstream.resellerKey, compatibility: 'crazytel' }),
        records: ipndRecordsFor({ database, clock: () => new Date() }, 'crazytel'),
        upstreamRouting: UPSTREAM_ROUTING,
      })
    : await SimulatedCarrier.open({ path: join(dir, 'carrier.db') });
  // With the crazytel carrier this is INV-UPSTREAM-AGREE: upstream's own records of what the
  // reseller owns are exactly the numbers sold here.
  await assertInvariants(database.db, carrier, { settled: true });
  const acks = await checkAnswers(database, answers);
  let upstreamLine = '';
  if (upstream) {
    const balance = (await upstream.reseller.balance()).balance;
    const charged = Math.round((100_000 - balance) * 100);
    const owned = (await carrier.listProvisioned()).length;
    upstreamLine = `; upstream owns ${owned}, charged ${charged / 100} dollars for them (${UPSTREAM_PRICE.cents / 100} each)`;
    if (charged !== owned * UPSTREAM_PRICE.cents || owned !== acks.length) throw new Error(`upstream charged ${charged} cents for ${owned} numbers, ${acks.length} sold`);
  }
  const integrity = (await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(database.db)).rows[0]?.integrity_check;
  log(
    `${reseller ? '4. kill -9 in reseller mode (SQLite, crazytel carrier, a second Bilby upstream)' : '1. kill -9 under load (SQLite)'}: ` +
      `30 kills, 16 clients, ${Math.round((Date.now() - started) / 1000)} s; responses ${JSON.stringify(counts)}; sold ${acks.length}${upstreamLine}; integrity_check ${integrity}`,
  );
  if (integrity !== 'ok') throw new Error('integrity_check failed');
  await carrier.close();
  await database.close();
  await cleanup.run();
  rmSync(dir, { recursive: true, force: true });
}

async function postgresProcesses(): Promise<void> {
  const url = process.env.BILBY_TEST_DATABASE_URL;
  if (!url) {
    log('2. PostgreSQL phase skipped: BILBY_TEST_DATABASE_URL is not set');
    return;
  }
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'bilby-soak-pg-'));
  const schema = `soak_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = createDatabase(url, { schema });
  await migrateToLatest(database);
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env = {
    BILBY_DATABASE_URL: schemaUrl.toString(),
    BILBY_CARRIER_DATABASE_URL: `file:${join(dir, 'carrier.db')}`,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_CARRIER_FAILURE_RATE: '0.05',
    BILBY_CARRIER_HANG_RATE: '0.01',
    BILBY_CARRIER_TIMEOUT_MS: '1000',
    BILBY_RECOVERY_GRACE_MS: '3000',
    BILBY_RECOVERY_INTERVAL_MS: '1000',
  };
  const accounts = await Promise.all(Array.from({ length: 32 }, () => soakAccount(database, 100_000)));
  const numbers = await soakNumbers(database, 1000, 300000);
  const servers: ServerProcess[] = await Promise.all(Array.from({ length: 4 }, () => startServer([], env)));
  const answers: FinalAnswer[] = [];
  const counts: Record<string, number> = {};
  let running = true;
  const pick = () => numbers[Math.floor(Math.random() * numbers.length)]; // demand above supply: everyone wants everything
  let turn = 0;
  const clients = accounts.map((a) => buyer(() => servers[turn++ % servers.length]!.base, a, pick, answers, counts, () => running));
  await sleep(8000);
  const cluster = existsSync('/etc/postgresql') ? execSync('ls /etc/postgresql').toString().trim().split('\n')[0] : '';
  if (cluster) {
    execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main restart`, { stdio: 'ignore' });
    log('   PostgreSQL restarted mid-run');
  }
  const sold = () => answers.filter((a) => a.status === 200).length;
  for (let i = 0; i < 120 && sold() < numbers.length; i++) await sleep(1000);
  running = false;
  await Promise.all(clients);
  await sleep(5000); // hung carrier calls finish and recovery settles them
  const dead = servers.filter((s) => s.child.exitCode !== null || s.child.signalCode !== null);
  for (const server of dead) log(`   a server died: ${server.output().slice(-1500)}`);
  await Promise.all(servers.map((s) => s.stop()));
  if (dead.length > 0) throw new Error(`${dead.length} server processes died`);
  const recovered = await startServer([], { ...env, BILBY_RECOVERY_GRACE_MS: '0' });
  await settleAnswers(recovered.base, answers);
  await recovered.stop();
  const carrier = await SimulatedCarrier.open({ path: join(dir, 'carrier.db') });
  await assertInvariants(database.db, carrier, { settled: true });
  await checkAnswers(database, answers);
  const active = await database.db.selectFrom('phone_number').select(database.db.fn.countAll<number>().as('n')).where('status', '=', 'active').executeTakeFirstOrThrow();
  log(`2. PostgreSQL, 4 processes, 32 clients, 1,000 numbers: ${active.n} sold, ${Math.round((Date.now() - started) / 1000)} s; responses ${JSON.stringify(counts)}`);
  await carrier.close();
  await database.close();
  const cleanup = new pg.Client({ connectionString: url });
  await cleanup.connect();
  await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
  await cleanup.end();
  rmSync(dir, { recursive: true, force: true });
}

async function soak(): Promise<void> {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'bilby-soak-'));
  const dbPath = join(dir, 'bilby.db');
  const env = {
    BILBY_DATABASE_URL: `file:${dbPath}`,
    BILBY_CARRIER_DATABASE_URL: `file:${join(dir, 'carrier.db')}`,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_QUARANTINE_DAYS: '0',
  };
  const database = createDatabase(env.BILBY_DATABASE_URL);
  await migrateToLatest(database);
  const accounts = await Promise.all(Array.from({ length: 8 }, () => soakAccount(database, 10_000_000)));
  const numbers = await soakNumbers(database, 50_000);
  const server = await startServer([], env);
  const samples: Array<{ minute: number; rss: number; wal: number }> = [];
  const counts: Record<string, number> = {};
  const count = (label: string) => (counts[label] = (counts[label] ?? 0) + 1);
  const deadline = Date.now() + minutes * 60_000;
  const started = Date.now();
  const mixed = async (account: SoakAccount, c: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const headers = { 'x-crazytel-api-key': account.key };
      const roll = Math.random();
      try {
        if (roll < 0.6) {
          const q = ['state=NSW', `starts_with=0291${Math.floor(Math.random() * 1000)}`, 'contains=77', 'limit=20', 'ends_with=12'][i % 5];
          count(String((await fetch(`${server.base}/api/v1/phone-numbers/available-numbers/?${q}`, { headers })).status));
        } else if (roll < 0.8) {
          const res = await purchase(server.base, account, numbers[Math.floor(Math.random() * numbers.length)]!, `${c}-${i}`);
          count(String(res.status));
          const body = (await res.json()) as { did_number?: string };
          if (res.status === 200 && Math.random() < 0.5) {
            const del = await fetch(`${server.base}/api/v1/phone-numbers`, {
              method: 'DELETE',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({ did_number: body.did_number }),
            });
            count(`release ${del.status}`);
          }
        } else {
          count(String((await fetch(`${server.base}/api/v1/balance/`, { headers })).status));
        }
      } catch {
        count('error');
      }
    }
  };
  const sampler = (async () => {
    while (Date.now() < deadline) {
      const wal = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size / 1024 / 1024 : 0;
      samples.push({ minute: (Date.now() - started) / 60_000, rss: rssMb(server.child.pid!), wal });
      await sleep(10_000);
    }
  })();
  await Promise.all([...accounts.map((a, c) => mixed(a, c)), sampler]);
  await server.stop();
  const carrier = await SimulatedCarrier.open({ path: join(dir, 'carrier.db') });
  await assertInvariants(database.db, carrier, { settled: true });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const early = samples.filter((s) => s.minute >= 1 && s.minute < 2).map((s) => s.rss);
  const late = samples.slice(-6).map((s) => s.rss);
  const walMax = Math.max(...samples.map((s) => s.wal));
  log(
    `3. soak (SQLite, 8 clients, ${minutes} min): ${total} requests (${Math.round(total / (minutes * 60))}/s) ${JSON.stringify(counts)}; ` +
      `RSS min ${Math.min(...samples.map((s) => s.rss)).toFixed(0)} MB, minute 1–2 max ${Math.max(...early).toFixed(0)} MB, last minute max ${Math.max(...late).toFixed(0)} MB; WAL max ${walMax.toFixed(1)} MB`,
  );
  await carrier.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  if (counts.error || Object.keys(counts).some((k) => k.startsWith('5'))) throw new Error('5xx or errors during the soak');
}

const started = Date.now();
try {
  if (phases.includes('kill')) await killUnderLoad();
  if (phases.includes('postgres')) await postgresProcesses();
  if (phases.includes('soak')) await soak();
  if (phases.includes('kill-crazytel')) await killUnderLoad(true);
  log(`all phases passed in ${Math.round((Date.now() - started) / 1000)} s`);
} catch (error) {
  console.error(report.join('\n'));
  console.error(error);
  process.exit(1);
}
