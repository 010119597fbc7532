import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough, type Readable } from 'node:stream';
import { AppError } from '../domain/errors.js';

/** How long clients may take to send a request; src/config.ts documents each. */
export interface ClientTimeouts {
  headersTimeoutMs: number;
  /** How long a body the route reads whole may take to arrive, once the headers have. */
  bodyTimeoutMs: number;
  /** The longest any body, a streamed one included, may go without a byte arriving. */
  bodyIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** The configuration's defaults (src/config.ts says why these). */
export const DEFAULT_CLIENT_TIMEOUTS: Readonly<ClientTimeouts> = Object.freeze({
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  bodyIdleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
});

/**
 * preParsing: a body still on its way is read through a stream that fails with `request_timeout`
 * when nothing arrives for `bodyIdleTimeoutMs`, or, for a body the route reads whole, when it is
 * not all there after `bodyTimeoutMs`. A streamed body (the CSV import) has no total limit: a
 * million rows over a slow link take as long as they take, so long as they keep coming. The answer
 * is a 408 on a connection that then closes, so a client trickling bytes holds nothing open.
 */
export function bodyDeadlines(limits: Pick<ClientTimeouts, 'bodyTimeoutMs' | 'bodyIdleTimeoutMs'>, wholeBodyLimit: number) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> => {
    // Most bodies arrive with their headers: nothing to wait for.
    if (request.raw.complete || !hasBody(request)) return payload;
    const watched = new PassThrough();
    const cutOff = (detail: string) => {
      stop();
      reply.header('connection', 'close');
      payload.unpipe(watched);
      watched.destroy(new AppError('request_timeout', detail));
    };
    const idle = setTimeout(
      () => cutOff(`No part of the request body arrived for ${seconds(limits.bodyIdleTimeoutMs)}`),
      limits.bodyIdleTimeoutMs,
    ).unref();
    // A route that takes more than a whole body's limit streams it.
    const streamed = (request.routeOptions.bodyLimit ?? 0) > wholeBodyLimit;
    const whole = streamed
      ? undefined
      : setTimeout(() => cutOff(`The request body did not arrive whole within ${seconds(limits.bodyTimeoutMs)}`), limits.bodyTimeoutMs).unref();
    const stop = () => {
      clearTimeout(idle);
      clearTimeout(whole);
    };
    payload.on('data', () => idle.refresh());
    payload.once('end', stop);
    // The client went away mid-body: whoever reads the body hears of it (the import stops its thread).
    payload.once('error', (error) => {
      stop();
      watched.destroy(error);
    });
    payload.once('close', () => {
      stop();
      if (!payload.readableEnded) watched.destroy(new Error('the client closed the connection before the body ended'));
    });
    reply.raw.once('close', stop);
    payload.pipe(watched);
    return watched;
  };
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
