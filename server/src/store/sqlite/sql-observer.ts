/**
 * What the SQLite connections execute, for the benchmarks: time per statement (profileStatements,
 * printed to stderr when the process exits, for `npm run bench:profile`) and listeners that see
 * every statement with its parameters (to capture a purchase's SQL). Off, it costs two branches
 * per statement.
 */
type Listener = (sql: string, parameters: readonly unknown[]) => void;

let timing = false;
const totals = new Map<string, { count: number; micros: number }>();
const listeners = new Set<Listener>();

/** Calls listener with every statement run from now on, until the returned function is called. */
export function observeStatements(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners of a statement run elsewhere (a reader thread), whose time is not this thread's. */
export function announce(sql: string, parameters: readonly unknown[]): void {
  for (const listener of listeners) listener(sql, parameters);
}

export function observed<R>(sql: string, parameters: readonly unknown[], run: () => R): R {
  announce(sql, parameters);
  if (!timing) return run();
  const started = process.hrtime.bigint();
  try {
    return run();
  } finally {
    const entry = totals.get(sql) ?? { count: 0, micros: 0 };
    entry.count++;
    entry.micros += Number(process.hrtime.bigint() - started) / 1000;
    totals.set(sql, entry);
  }
}

/**
 * Times every statement the SQLite connections run from now on (the server's and the simulated
 * carrier's) and prints the slowest totals to stderr when the process exits (BILBY_PROFILE_SQL=1).
 */
export function profileStatements(): void {
  if (timing) return;
  timing = true;
  process.on('exit', () => {
    const rows = [...totals].sort((a, b) => b[1].micros - a[1].micros).slice(0, 40);
    process.stderr.write('SQL time: total ms, count, µs each, statement\n');
    for (const [sql, { count, micros }] of rows) {
      process.stderr.write(`${(micros / 1000).toFixed(0).padStart(8)} ${String(count).padStart(8)} ${(micros / count).toFixed(1).padStart(8)}  ${sql.slice(0, 150)}\n`);
    }
  });
}
