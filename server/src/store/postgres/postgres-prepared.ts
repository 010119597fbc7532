import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** SQL texts that run often enough to be worth a named (server-side) prepared statement. */
const named = new Set<string>();

/**
 * Marks a query's SQL as one to prepare once per PostgreSQL connection (preparedQuery's templates:
 * a fixed, finite set). PostgreSQL then parses and plans it once per connection instead of on
 * every call; other SQL (searches, whose text varies with the filters) stays unnamed, so no
 * connection collects statements without bound.
 */
export function nameStatement(sql: string): void {
  named.add(sql);
}

function statementName(sql: string): string {
  return `bilby_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
}

/** The pool as Kysely's PostgreSQL dialect sees it, sending marked SQL as named statements. */
export function namingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sqlOrCursor !== 'string' || !named.has(sqlOrCursor)) {
            return (client.query as (...args: unknown[]) => unknown)(sqlOrCursor, parameters);
          }
          let name = names.get(sqlOrCursor);
          if (!name) names.set(sqlOrCursor, (name = statementName(sqlOrCursor)));
          return client.query({ name, text: sqlOrCursor, values: parameters as unknown[] });
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}
