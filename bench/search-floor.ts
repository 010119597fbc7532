import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import { createDatabase } from '../server/src/store/database.js';
import { observeStatements } from '../server/src/store/sqlite/sql-observer.js';
import { createInProcessApp } from '../tools/in-process-app.js';

interface Statement {
  sql: string;
  parameters: unknown[];
}

/** The SQL each search ran (authentication included), answered in-process on the stock database. */
export async function captureSearchSql(path: string, apiKey: string, queries: string[]): Promise<Statement[][]> {
  const database = createDatabase(`file:${path}`);
  const carrier = await SimulatedCarrier.open({ path: ':memory:' });
  const app = await createInProcessApp(database, carrier);
  const captured: Statement[][] = [];
  let current: Statement[] = [];
  const stop = observeStatements((sql, parameters) => current.push({ sql, parameters: [...parameters] }));
  try {
    for (const query of queries) {
      current = [];
      const response = await app.inject({ method: 'GET', url: query, headers: { 'x-api-key': apiKey } });
      if (response.statusCode !== 200) throw new Error(`search ${query} failed: ${response.body}`);
      captured.push(current.filter((statement) => !/carrier_number/.test(statement.sql)));
    }
  } finally {
    stop();
    await app.close();
    await carrier.close();
    await database.close();
  }
  return captured;
}

/**
 * The floor under any server running these searches: their captured SQL replayed through prepared
 * statements on one connection, rows read as better-sqlite3 returns them, and nothing else (no HTTP,
 * JSON or query building). Returns searches per second.
 */
export function replaySearchSql(path: string, captured: Statement[][], seconds: number): number {
  const sqlite = new SqliteDatabase(path, { readonly: true });
  const prepared = new Map<string, SqliteDatabase.Statement>();
  const statementFor = (sql: string) => {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = sqlite.prepare(sql)));
    return statement;
  };
  let searches = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (const { sql, parameters } of captured[searches % captured.length]!) statementFor(sql).all(...parameters);
    searches++;
  }
  const rate = searches / ((performance.now() - started) / 1000);
  sqlite.close();
  return rate;
}

/** Runs in each thread of replaySearchSqlOnThreads (CommonJS, no loaders). */
const REPLAYER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const sqlite = new Database(workerData.path, { readonly: true });
const prepared = new Map();
const statementFor = (sql) => {
  let statement = prepared.get(sql);
  if (!statement) prepared.set(sql, (statement = sqlite.prepare(sql)));
  return statement;
};
const { captured, seconds, offset } = workerData;
let searches = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  for (const { sql, parameters } of captured[(offset + searches) % captured.length]) statementFor(sql).all(...parameters);
  searches++;
}
parentPort.postMessage(searches / ((performance.now() - started) / 1000));
sqlite.close();
`;

/**
 * replaySearchSql on `threads` connections at once, each on its own thread and its own share of
 * the searches: the floor under a server that answers searches on that many reader threads.
 * Returns searches per second, all threads together.
 */
export async function replaySearchSqlOnThreads(path: string, captured: Statement[][], seconds: number, threads: number): Promise<number> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const rates = await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const worker = new Worker(REPLAYER, {
        eval: true,
        execArgv: [],
        workerData: { path, driver, captured, seconds, offset: Math.floor((i * captured.length) / threads) },
      });
      return new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  return rates.reduce((sum, rate) => sum + rate, 0);
}
