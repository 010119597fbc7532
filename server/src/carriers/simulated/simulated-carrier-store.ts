import type SqliteDatabase from 'better-sqlite3';
import { openSqlite } from '../../store/sqlite/sqlite-connection.js';
import { observed } from '../../store/sqlite/sql-observer.js';

/** The simulated carrier's own books, in a database of its own: it is another company. */
export interface CarrierNumberRow {
  did_number: string;
  order_id: string;
  reference: string;
  status: string;
  /** Whose number it is and what its IPND entry and routing are, as the order named them; null in books an earlier Bilby wrote. */
  account_id: string | null;
  address_id: string | null;
  person_id: string | null;
  route: string | null;
  destination: string | null;
}

const COLUMNS = 'did_number, order_id, reference, status, account_id, address_id, person_id, route, destination';
/** Columns the books gained after their first version, added to books that lack them. */
const ADDED_COLUMNS = ['account_id', 'address_id', 'person_id', 'route', 'destination'];

/**
 * The carrier's books on one SQLite connection, through statements prepared once. No query
 * builder: the simulated carrier runs inside the server on every purchase, and building its two
 * queries with Kysely cost more than Bilby's own (measured: half of Kysely's time in a PostgreSQL
 * purchase profile).
 */
export class SimulatedCarrierStore {
  readonly #sqlite: SqliteDatabase.Database;
  readonly #find: SqliteDatabase.Statement<[string], CarrierNumberRow>;
  readonly #provision: SqliteDatabase.Statement<unknown[], CarrierNumberRow>;
  readonly #release: SqliteDatabase.Statement<[string, string]>;
  readonly #provisioned: SqliteDatabase.Statement<[], { did_number: string }>;

  private constructor(sqlite: SqliteDatabase.Database) {
    this.#sqlite = sqlite;
    sqlite.exec(`CREATE TABLE IF NOT EXISTS carrier_number (
      did_number TEXT PRIMARY KEY, order_id TEXT NOT NULL, reference TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    const present = new Set(sqlite.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'carrier_number\')').all().map((c) => c.name));
    for (const column of ADDED_COLUMNS) if (!present.has(column)) sqlite.exec(`ALTER TABLE carrier_number ADD COLUMN ${column} TEXT`);
    this.#find = sqlite.prepare(`SELECT ${COLUMNS} FROM carrier_number WHERE did_number = ?`);
    this.#provision = sqlite.prepare(
      `INSERT INTO carrier_number (${COLUMNS}, updated_at) VALUES (?, ?, ?, 'provisioned', ?, ?, ?, ?, ?, ?)
       ON CONFLICT (did_number) DO UPDATE SET order_id = excluded.order_id, reference = excluded.reference,
         status = 'provisioned', account_id = excluded.account_id, address_id = excluded.address_id,
         person_id = excluded.person_id, route = excluded.route, destination = excluded.destination,
         updated_at = excluded.updated_at
       WHERE carrier_number.status <> 'provisioned'
       RETURNING ${COLUMNS}`,
    );
    this.#release = sqlite.prepare(`UPDATE carrier_number SET status = 'released', updated_at = ? WHERE did_number = ?`);
    this.#provisioned = sqlite.prepare(`SELECT did_number FROM carrier_number WHERE status = 'provisioned' ORDER BY did_number`);
  }

  static async open(path: string): Promise<SimulatedCarrierStore> {
    // The simulated carrier stands for a remote system: its books must survive the server being
    // killed (WAL does that), not a power cut, so it does not pay for a synced commit per number.
    return new SimulatedCarrierStore(openSqlite(path, 'NORMAL'));
  }

  async find(didNumber: string): Promise<CarrierNumberRow | undefined> {
    return run(this.#find, [didNumber], () => this.#find.get(didNumber));
  }

  /**
   * Records the number as provisioned for the order, unless it is provisioned already (then returns
   * that record). One conditional upsert: a single statement, so no transaction is needed.
   */
  async provision(row: CarrierNumberRow, at: string): Promise<CarrierNumberRow> {
    const values = [row.did_number, row.order_id, row.reference, row.account_id, row.address_id, row.person_id, row.route, row.destination, at];
    const written = run(this.#provision, values, () => this.#provision.get(...values));
    return written ?? (await this.find(row.did_number))!;
  }

  async release(didNumber: string, at: string): Promise<void> {
    run(this.#release, [at, didNumber], () => this.#release.run(at, didNumber));
  }

  async listProvisioned(): Promise<string[]> {
    return run(this.#provisioned, [], () => this.#provisioned.all()).map((r) => r.did_number);
  }

  async close(): Promise<void> {
    this.#sqlite.close();
  }
}

/** Runs a statement where the benchmarks' SQL observers see it, as they see Bilby's own. */
function run<R>(statement: { source: string }, parameters: readonly unknown[], execute: () => R): R {
  return observed(statement.source, parameters, execute);
}
