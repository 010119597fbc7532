import type { FastifyInstance } from 'fastify';

/** Deeper than any body the API defines (a routing update nests 3 levels), far below a stack's limit. */
export const MAX_JSON_DEPTH = 32;

export class JsonTooDeepError extends Error {
  readonly code = 'BILBY_ERR_JSON_TOO_DEEP';
  readonly statusCode = 400;
  constructor() {
    super(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * JSON bodies as Fastify parses them (prototype poisoning removed), once their nesting is known to
 * be bounded: everything after the parser that walks a body (validation, the idempotency
 * fingerprint, logging) may recurse.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}

/** Whether the JSON text opens more than `limit` arrays and objects inside each other (strings skipped). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Route hook for writes whose every field is optional: a request with no body at all (a bare
 * `curl -X DELETE`) is taken as `{}` instead of refused for not being an object.
 */
export async function noBodyAsEmpty(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
