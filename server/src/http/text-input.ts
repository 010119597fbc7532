import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../domain/errors.js';
import { ignoredFieldsOf } from './ignored-fields.js';

/**
 * preHandler: no text a route reads may hold a NUL. PostgreSQL's text cannot store one (the write
 * failed as a 500) and SQLite's C functions stop at it, so either database would keep something
 * other than what was sent. Ignored fields are not read, so they may hold anything.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const ignored = new Set(ignoredFieldsOf(request));
  for (const [name, value] of Object.entries(body)) {
    if (ignored.has(name)) continue;
    const at = nulAt(value, name);
    if (at !== null) throw invalidRequest(at, 'must not contain NUL characters');
  }
}

/** The path of the first string holding a NUL, or null. Bodies are at most 32 levels deep. */
function nulAt(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulAt(value[i], `${path}.${i}`);
      if (at !== null) return at;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = nulAt(item, `${path}.${key}`);
      if (at !== null) return at;
    }
  }
  return null;
}
