import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadConfig } from '../server/src/config.js';
import { createServer } from '../server/src/server.js';
import { createDatabase } from '../server/src/store/database.js';
import { migrateToLatest } from '../server/src/store/migrate.js';

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** A scratch folder, and no umask: what the files get is then Bilby's choice alone. */
function scratch(t: TestContext): string {
  const previous = process.umask(0);
  const dir = mkdtempSync(join(tmpdir(), 'bilby-modes-'));
  t.after(() => {
    process.umask(previous);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('database files', () => {
  it('are created for their owner alone (0600, folders 0700): bilby.db, its -wal and -shm, carrier-sim.db and the data folder', async (t) => {
    const data = join(scratch(t), 'var', 'data');
    const server = await createServer(loadConfig({ BILBY_DATABASE_URL: `file:${join(data, 'bilby.db')}`, BILBY_LOG_LEVEL: 'silent' }));
    try {
      // The migrations wrote to Bilby's database; a provisioned number writes to the carrier's.
      await server.deps.carrier.provision({
        didNumber: '61291234567',
        orderId: 'ord_modes',
        accountId: 'acc_modes',
        addressId: 'adr_modes',
        personId: 'per_modes',
        routing: { route: 'device', destination: '1000000' },
      });
      const files = ['bilby.db', 'bilby.db-wal', 'bilby.db-shm', 'carrier-sim.db', 'carrier-sim.db-wal', 'carrier-sim.db-shm'];
      const modes = Object.fromEntries([...files.map((file) => [file, modeOf(join(data, file))]), ['data/', modeOf(data)], ['var/', modeOf(join(data, '..'))]]);
      assert.deepEqual(modes, { ...Object.fromEntries(files.map((file) => [file, '600'])), 'data/': '700', 'var/': '700' });
    } finally {
      await server.close();
    }
  });

  it('keep the mode the operator gave a database file that exists already', async (t) => {
    const dir = scratch(t);
    const path = join(dir, 'bilby.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const database = createDatabase(`file:${path}`);
    try {
      await migrateToLatest(database);
      assert.deepEqual([modeOf(path), modeOf(`${path}-wal`), modeOf(`${path}-shm`)], ['640', '640', '640']);
    } finally {
      await database.close();
    }
  });
});
