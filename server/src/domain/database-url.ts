/** What a database URL names: `postgres://…` (or `postgresql://…`), else a SQLite location. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** A SQLite location from `file:<path>`, a bare path, or `:memory:`. */
export function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new Error(`Not a SQLite location: ${url}`);
  return path;
}
