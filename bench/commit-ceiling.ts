import { rmSync } from 'node:fs';
import { openSqlite } from '../server/src/store/sqlite/sqlite-connection.js';

/**
 * The disk's ceiling for durable work: one-row write transactions committed one after another on
 * a SQLite file with Bilby's settings (WAL, synchronous=FULL), per second.
 */
export function durableCommitsPerSecond(path: string, seconds: number): number {
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  const sqlite = openSqlite(path);
  sqlite.exec('CREATE TABLE commit_probe (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  const begin = sqlite.prepare('BEGIN IMMEDIATE');
  const insert = sqlite.prepare('INSERT INTO commit_probe (value) VALUES (?)');
  const commit = sqlite.prepare('COMMIT');
  const until = performance.now() + seconds * 1000;
  let commits = 0;
  const started = performance.now();
  while (performance.now() < until) {
    begin.run();
    insert.run(`row ${commits}`);
    commit.run();
    commits++;
  }
  const rate = commits / ((performance.now() - started) / 1000);
  sqlite.close();
  return rate;
}
