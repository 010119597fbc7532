import type { FastifyReply, FastifyRequest } from 'fastify';

/** Header values stay well under what clients accept (undici refuses headers over 16 KiB in all). */
const HEADER_BUDGET = 1024;

/**
 * preValidation: names the body fields the route does not know in Bilby-Ignored-Fields; validation
 * then drops them. A field name is the client's text, any Unicode: it is percent-encoded (as UTF-8)
 * wherever it is not visible ASCII, and where it holds `%` or `,`, so the header can always be
 * written. Beyond the budget the list stops and Bilby-Ignored-Fields-Omitted counts the rest.
 */
export async function reportIgnoredFields(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const ignored = ignoredFieldsOf(request);
  if (ignored.length === 0) return;
  const listed: string[] = [];
  let length = 0;
  for (const name of ignored) {
    const encoded = encodeFieldName(name);
    if (length + encoded.length + 2 > HEADER_BUDGET) break;
    listed.push(encoded);
    length += encoded.length + 2;
  }
  if (listed.length > 0) reply.header('bilby-ignored-fields', listed.join(', '));
  if (listed.length < ignored.length) reply.header('bilby-ignored-fields-omitted', String(ignored.length - listed.length));
}

const ignoredByRequest = new WeakMap<FastifyRequest, string[]>();

/**
 * The top-level body fields the route's schema does not declare, as the body came (validation then
 * drops some): found once, by the first hook that asks, and kept for the later ones.
 */
export function ignoredFieldsOf(request: FastifyRequest): string[] {
  let ignored = ignoredByRequest.get(request);
  if (ignored === undefined) {
    const body = request.body;
    const properties = bodyProperties(request);
    ignored = !properties || !body || typeof body !== 'object' || Array.isArray(body) ? [] : Object.keys(body).filter((key) => !Object.hasOwn(properties, key));
    ignoredByRequest.set(request, ignored);
  }
  return ignored;
}

function bodyProperties(request: FastifyRequest): Record<string, unknown> | undefined {
  return (request.routeOptions.schema?.body as { properties?: Record<string, unknown> } | undefined)?.properties;
}

/** Visible ASCII but `%` and `,` stays as it is; anything else is its UTF-8 bytes as %XX. */
export function encodeFieldName(name: string): string {
  return name.replace(/[^!-$&-+\--~]/gu, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
