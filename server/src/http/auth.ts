import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiKeyActor, type ChangeSource } from '../domain/number-event.js';
import { authenticate, unauthenticated, type Caller } from '../services/authenticate.js';
import type { ServiceDeps } from '../services/deps.js';
import { enforceRateLimit } from '../services/rate-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** The key from the headers CrazyTel and Bilby accept, in that order of precedence. */
export function headerKey(request: FastifyRequest): string | undefined {
  const crazytel = request.headers['x-crazytel-api-key'];
  if (typeof crazytel === 'string' && crazytel !== '') return crazytel.trim();
  const plain = request.headers['x-api-key'];
  if (typeof plain === 'string' && plain !== '') return plain.trim();
  return bearerToken(request);
}

/** The token of `Authorization: Bearer <token>`, if the request has one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return undefined;
}

function mayCarryBody(request: FastifyRequest): boolean {
  return request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
}

/**
 * onRequest: a key in the headers is checked before the body is read. Without one, the key may be
 * in the JSON body (CrazyTel accepts `api_key` there), so the check waits for preValidation.
 */
export function authenticateHeaders(deps: ServiceDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const key = headerKey(request);
    if (key !== undefined) {
      await admit(deps, request, key);
      return;
    }
    if (!mayCarryBody(request)) throw unauthenticated();
  };
}

/** preValidation: the body's api_key, if the headers had none; always removed from the body. */
export function authenticateBody(deps: ServiceDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const body = request.body as Record<string, unknown> | undefined | null;
    let bodyKey: unknown;
    if (body && typeof body === 'object' && !Array.isArray(body) && 'api_key' in body) {
      bodyKey = body.api_key;
      delete body.api_key;
    }
    if (request.caller) return;
    if (typeof bodyKey !== 'string') throw unauthenticated();
    await admit(deps, request, bodyKey);
  };
}

/** 401 for a bad key, then 429 past the key's rate limit, in the contract's order. */
async function admit(deps: ServiceDeps, request: FastifyRequest, key: string): Promise<void> {
  request.caller = await authenticate(deps, key);
  request.idempotencyScope = request.caller.accountId;
  await enforceRateLimit(deps, request.caller.keyId);
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthenticated();
  return request.caller;
}

/** Who a customer request's changes are recorded as: its API key, and the request's id. */
export function sourceOf(request: FastifyRequest): ChangeSource {
  return { actor: apiKeyActor(callerOf(request).keyId), requestId: request.id };
}
