import { Kysely } from 'kysely';
import { ImmediateSqliteDialect } from './database.js';
import { openSqlite, preparedSqlite } from './sqlite-connection.js';

/** The simulated carrier's own books, in a database of its own: it is another company. */
interface CarrierTables {
  carrier_number: {
    did_number: string;
    order_id: string;
    reference: string;
    status: string;
    updated_at: string;
  };
}

export interface CarrierNumberRow {
  did_number: string;
  order_id: string;
  reference: string;
  status: string;
}

export class SimulatedCarrierStore {
  readonly #db: Kysely<CarrierTables>;

  private constructor(db: Kysely<CarrierTables>) {
    this.#db = db;
  }

  static async open(path: string): Promise<SimulatedCarrierStore> {
    // The simulated carrier stands for a remote system: its books must survive the server being
    // killed (WAL does that), not a power cut, so it does not pay for a synced commit per number.
    const sqlite = openSqlite(path, 'NORMAL');
    const db = new Kysely<CarrierTables>({ dialect: new ImmediateSqliteDialect(preparedSqlite(sqlite, { commits: 0 })) });
    await db.schema
      .createTable('carrier_number')
      .ifNotExists()
      .addColumn('did_number', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    return new SimulatedCarrierStore(db);
  }

  async find(didNumber: string): Promise<CarrierNumberRow | undefined> {
    return this.#db
      .selectFrom('carrier_number')
      .select(['did_number', 'order_id', 'reference', 'status'])
      .where('did_number', '=', didNumber)
      .executeTakeFirst();
  }

  /**
   * Records the number as provisioned for the order, unless it is provisioned already (then returns
   * that record). One conditional upsert: a single statement, so no transaction is needed.
   */
  async provision(row: CarrierNumberRow, at: string): Promise<CarrierNumberRow> {
    const written = await this.#db
      .insertInto('carrier_number')
      .values({ ...row, status: 'provisioned', updated_at: at })
      .onConflict((oc) =>
        oc
          .column('did_number')
          .doUpdateSet({ order_id: row.order_id, reference: row.reference, status: 'provisioned', updated_at: at })
          .where('carrier_number.status', '<>', 'provisioned'),
      )
      .returning(['did_number', 'order_id', 'reference', 'status'])
      .executeTakeFirst();
    return written ?? (await this.find(row.did_number))!;
  }

  async release(didNumber: string, at: string): Promise<void> {
    await this.#db
      .updateTable('carrier_number')
      .set({ status: 'released', updated_at: at })
      .where('did_number', '=', didNumber)
      .execute();
  }

  async listProvisioned(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('carrier_number')
      .select('did_number')
      .where('status', '=', 'provisioned')
      .orderBy('did_number')
      .execute();
    return rows.map((r) => r.did_number);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
