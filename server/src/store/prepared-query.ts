import { CompiledQuery, type Compilable, type QueryResult, type RawBuilder } from 'kysely';
import { nameStatement } from './postgres/postgres-prepared.js';
import { dialectOf, type Executor } from './dialect.js';

type Argument = string | number | bigint | null | object;
/** Where a compiled query's parameter comes from: an argument, a field of one, or a constant. */
type Source = { arg: number; field?: string } | { constant: unknown };

/** Per argument: an object's defined fields in order, or null for a plain value. */
type Shape = ReadonlyArray<readonly string[] | null>;

interface Template {
  dialect: string;
  shape: Shape;
  sql: string;
  sources: Source[];
}

const MARK = '\u0000bilby-arg:';

/**
 * A query built with Kysely once and then only executed: Kysely builds and compiles a query anew
 * on every call (immutable builders, a visitor over the tree), which costs more than SQLite takes
 * to run it. `build` is called once per dialect and per shape of its object arguments, with
 * markers in place of the arguments; the compiled SQL is kept with where each parameter comes
 * from, and later calls only fill the parameters in. The SQL text is then the same on every call,
 * so the connection's prepared statement is reused too (on PostgreSQL a named one, prepared once
 * per connection).
 *
 * Arguments must only be used as values (never to decide the query's shape) and objects must be
 * flat records of values. `build` may return a query builder or raw SQL (`sql` template).
 */
export function preparedQuery<A extends Argument[], R>(
  build: (ex: Executor, ...args: A) => Compilable<R> | RawBuilder<R>,
): (ex: Executor, ...args: A) => Promise<QueryResult<R>> {
  // A few shapes at most per query, each compared field by field: a key string joined and hashed
  // on every call showed in the purchase's profile (it runs a dozen of these).
  const templates: Template[] = [];
  return async (ex, ...args) => {
    const dialect = dialectOf(ex);
    let template = templates.find((candidate) => candidate.dialect === dialect && fitsShape(candidate.shape, args));
    if (!template) {
      const built = build(ex, ...(markers(args) as A));
      template = { dialect, shape: shapeOf(args), ...compileTemplate('isRawBuilder' in built ? built.compile(ex) : built.compile()) };
      if (dialect === 'postgres') nameStatement(template.sql);
      templates.push(template);
    }
    const parameters = template.sources.map((source) => {
      if ('constant' in source) return source.constant;
      const value = args[source.arg];
      return source.field === undefined ? value : (value as Record<string, unknown>)[source.field];
    });
    return (await ex.executeQuery(CompiledQuery.raw(template.sql, parameters))) as QueryResult<R>;
  };
}

function shapeOf(args: readonly Argument[]): Shape {
  return args.map((arg) => (isRecord(arg) ? definedFields(arg) : null));
}

function fitsShape(shape: Shape, args: readonly Argument[]): boolean {
  if (shape.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) {
    const fields = shape[i]!;
    const arg = args[i];
    if (fields === null) {
      if (isRecord(arg)) return false;
      continue;
    }
    if (!isRecord(arg)) return false;
    let defined = 0;
    for (const field of Object.keys(arg)) {
      if (arg[field] === undefined) continue;
      if (fields[defined] !== field) return false;
      defined++;
    }
    if (defined !== fields.length) return false;
  }
  return true;
}

function markers(args: readonly Argument[]): Argument[] {
  return args.map((arg, i) =>
    isRecord(arg) ? Object.fromEntries(definedFields(arg).map((field) => [field, `${MARK}${i}.${field}`])) : `${MARK}${i}`,
  );
}

/** Kysely leaves out fields that are undefined, so they are part of the query's shape. */
function definedFields(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).filter((field) => record[field] !== undefined);
}

function compileTemplate(compiled: CompiledQuery): Pick<Template, 'sql' | 'sources'> {
  if (compiled.sql.includes(MARK)) throw new Error(`A prepared query used an argument as SQL text: ${compiled.sql}`);
  const sources = compiled.parameters.map((parameter): Source => {
    if (typeof parameter !== 'string' || !parameter.startsWith(MARK)) return { constant: parameter };
    const [arg, field] = parameter.slice(MARK.length).split('.');
    if (!/^\d+$/.test(arg ?? '')) throw new Error(`A prepared query changed an argument's value: ${parameter}`);
    return field === undefined ? { arg: Number(arg) } : { arg: Number(arg), field };
  });
  return { sql: compiled.sql, sources };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}
