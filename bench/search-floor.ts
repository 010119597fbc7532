import SqliteDatabase from 'better-sqlite3';
import { SimulatedCarrier } from '../src/carriers/simulated-carrier.js';
import { createDatabase } from '../src/store/database.js';
import { observeStatements } from '../src/store/sql-observer.js';
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
