import { existsSync, renameSync, rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { stateOfGeographicNumber } from '../server/src/domain/number-region.js';
import { createDatabase } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';

const CITIES: Record<string, string[]> = {
  NSW: ['Sydney', 'Newcastle', 'Wollongong', 'Central Coast', 'Wagga Wagga'],
  ACT: ['Canberra'],
  VIC: ['Melbourne', 'Geelong', 'Ballarat', 'Bendigo'],
  TAS: ['Hobart', 'Launceston'],
  QLD: ['Brisbane', 'Gold Coast', 'Sunshine Coast', 'Cairns', 'Townsville'],
  SA: ['Adelaide', 'Mount Gambier'],
  WA: ['Perth', 'Bunbury'],
  NT: ['Darwin', 'Alice Springs'],
};

interface Range {
  prefix: string;
  digits: number;
  count: number;
  type: string;
}

/** Ranges in E.164 order, so rows go in in key order: 10% 1300, 10% 1800, 60% geographic, 20% mobile. */
function ranges(total: number): Range[] {
  const geographic = Math.floor((total * 0.6) / 4);
  return [
    { prefix: '611300', digits: 6, count: Math.floor(total * 0.1), type: 'local_rate' },
    { prefix: '611800', digits: 6, count: Math.floor(total * 0.1), type: 'tollfree' },
    { prefix: '612', digits: 8, count: geographic, type: 'geographic' },
    { prefix: '613', digits: 8, count: geographic, type: 'geographic' },
    { prefix: '614', digits: 8, count: total - Math.floor(total * 0.2) - geographic * 4, type: 'mobile' },
    { prefix: '617', digits: 8, count: geographic, type: 'geographic' },
    { prefix: '618', digits: 8, count: geographic, type: 'geographic' },
  ];
}

/**
 * A migrated SQLite database holding `total` available numbers of every type and state, built once
 * and kept (the benchmarks reuse it). Bulk-loaded without syncing, then switched to WAL as Bilby runs it.
 */
export async function ensureInventoryDatabase(path: string, total: number, log: (line: string) => void): Promise<void> {
  if (existsSync(path)) return;
  const building = `${path}.building`;
  rmSync(building, { force: true });
  const database = createDatabase(`file:${building}`);
  await migrateToLatest(database);
  await database.close();

  const sqlite = new SqliteDatabase(building);
  sqlite.pragma('journal_mode = DELETE');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  const insert = sqlite.prepare(
    `INSERT INTO phone_number (did_number, country, number_type, state, city, area_code, setup_cost_cents,
       monthly_cost_cents, status, block_premium, custom_price, created_at, updated_at)
     VALUES (?, 'AU', ?, ?, ?, ?, ?, ?, 'available', 0, 1, ?, ?)`,
  );
  const at = new Date().toISOString();
  let done = 0;
  const started = performance.now();
  const insertMany = sqlite.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  for (const range of ranges(total)) {
    const space = 10 ** range.digits;
    const step = Math.max(1, Math.floor(space / range.count));
    let rows: unknown[][] = [];
    for (let k = 0; k < range.count; k++) {
      const did = range.prefix + String(k * step).padStart(range.digits, '0');
      const state = range.type === 'geographic' ? stateOfGeographicNumber(did) : null;
      const cities = state ? CITIES[state]! : null;
      const city = cities ? cities[k % cities.length]! : null;
      const areaCode = range.type === 'geographic' ? `0${did.charAt(2)}` : null;
      const monthly = range.type === 'geographic' ? 300 + (k % 7) * 100 : range.type === 'mobile' ? 500 + (k % 11) * 100 : 1500 + (k % 31) * 100;
      rows.push([did, range.type, state, city, areaCode, (k % 5) * 100, monthly, at, at]);
      if (rows.length === 100_000) {
        insertMany(rows);
        done += rows.length;
        rows = [];
        if (done % 1_000_000 === 0) log(`  inventory: ${done.toLocaleString('en')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
    insertMany(rows);
    done += rows.length;
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('ANALYZE');
  sqlite.close();
  renameSync(building, path);
  log(`  inventory: ${done.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
