import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * onSend, last: a header Node would refuse to write is dropped rather than thrown at writeHead,
 * where it turned an answer computed after a commit (a purchase made, a credit posted) into
 * Fastify's own 500, and made a keyed retry run the write again.
 */
export async function dropUnwritableHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || isWritable(name, value)) continue;
    reply.removeHeader(name);
    request.log.error({ header: name }, 'dropped a response header that cannot be written');
  }
  return payload;
}

function isWritable(name: string, value: string | number | string[]): boolean {
  try {
    validateHeaderName(name);
    for (const item of Array.isArray(value) ? value : [value]) validateHeaderValue(name, String(item));
    return true;
  } catch {
    return false;
  }
}
