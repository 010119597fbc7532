import { sql, type RawBuilder } from 'kysely';
import { dialectOf, type Executor } from './dialect.js';

/** What a column of a JSON row source is read as. */
export type JsonColumnType = 'text' | 'integer' | 'bigint';

/**
 * A batch of rows as one JSON parameter (an array of arrays), read back as a derived table with the
 * named columns, in order: a set-based statement over a thousand rows binds one value instead of
 * thousands, so Kysely compiles a few nodes, the SQL text is the same for every batch (one prepared
 * statement) and no batch is split to stay under the engines' limits on bound values.
 *
 * @example
 * sql`UPDATE rental SET next_period = j.next_period FROM ${jsonRows(ex, rows, { order_id: 'text', next_period: 'integer' })} AS j
 *     WHERE rental.order_id = j.order_id`
 */
export function jsonRows(ex: Executor, rows: readonly (readonly unknown[])[], columns: Readonly<Record<string, JsonColumnType>>): RawBuilder<unknown> {
  const json = JSON.stringify(rows);
  const names = Object.entries(columns);
  if (dialectOf(ex) === 'postgres') {
    const list = names.map(([name, type], i) => sql`(value->>${sql.lit(i)})::${sql.raw(type)} AS ${sql.ref(name)}`);
    return sql`(SELECT ${sql.join(list)} FROM jsonb_array_elements(${json}::jsonb))`;
  }
  // ->> gives a JSON string as text and a JSON number as an integer: no cast needed.
  const list = names.map(([name], i) => sql`value->>${sql.lit(i)} AS ${sql.ref(name)}`);
  return sql`(SELECT ${sql.join(list)} FROM json_each(${json}))`;
}
