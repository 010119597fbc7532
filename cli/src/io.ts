/** Where a command writes, and how: plain text for people or `--json` for programs. */
export interface Io {
  json: boolean;
  /** True when stdout is a terminal (progress bars, prompts). */
  interactive: boolean;
  out(text: string): void;
  err(text: string): void;
}

export function processIo(json: boolean): Io {
  return {
    json,
    interactive: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** Prints `data` as JSON, or as what `human` makes of it. */
export function emit<T>(io: Io, data: T, human: (data: T) => string): void {
  io.out(io.json ? `${JSON.stringify(data, null, 2)}\n` : ensureNewline(human(data)));
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** A plain table: a header row and aligned columns; "(none)" when empty. */
export function table<R>(rows: R[], columns: Array<[header: string, cell: (row: R) => unknown]>): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map(([, cell]) => show(cell(row))));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map(([header]) => header.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

/** Key: value lines for one object. */
export function details(pairs: Array<[label: string, value: unknown]>): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${show(value)}`).join('\n') + '\n';
}

export function dollars(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(2)}`;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
