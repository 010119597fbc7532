import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalidRequest } from '../domain/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import {
  finishIdempotentRequest,
  settleIdempotentResponse,
  startIdempotentRequest,
  type CreatedResult,
  type IdempotencyClaim,
} from '../services/idempotency-keys.js';
import { unauthenticated } from '../services/authenticate.js';
import { ignoredFieldsOf } from './ignored-fields.js';
import { presentAdminDestination, presentBillingRun } from './admin-presenters.js';
import { presentAddress, presentBulkOrder, presentPerson, presentPurchaseSuccess, presentRestored, presentTransaction } from './presenters.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed (with its claim's token), whose response must be stored. */
    idempotencyClaim: IdempotencyClaim | null;
    /** Whose keys this request's Idempotency-Key is among: the caller's account, or the operator. */
    idempotencyScope: string | null;
  }
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);
const MAX_KEY_LENGTH = 255;

/**
 * Same method, path, query and meaning (keys sorted; the body's api_key never counts) → same
 * fingerprint. The meaning is the body as the route's validation leaves it: fields it ignores are
 * dropped and defaults filled in, so a retry that adds an ignored field is the same request.
 */
function fingerprintOf(request: FastifyRequest): string {
  const mark = request.url.indexOf('?');
  const [path, query] = mark === -1 ? [request.url, ''] : [request.url.slice(0, mark), request.url.slice(mark + 1)];
  const sortedQuery = [...new URLSearchParams(query)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `${request.method} ${path.replace(/\/+$/, '')}?${new URLSearchParams(sortedQuery).toString()}\n${canonicalJson(meaningOf(request))}`;
  return createHash('sha256').update(text).digest('hex');
}

/** A copy of the body, validated as the route will validate it (which removes what it ignores). */
function meaningOf(request: FastifyRequest): unknown {
  const body = request.body;
  const validate = request.getValidationFunction('body');
  // A route without a body schema reads no body: whatever came with it means nothing.
  if (!validate) return undefined;
  if (body === null || typeof body !== 'object') return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  validate(copy);
  // Schemas that allow more fields keep them, but the route reads only its own.
  for (const name of ignoredFieldsOf(request)) delete copy[name];
  return copy;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isStream(body: unknown): boolean {
  return typeof (body as { pipe?: unknown } | null)?.pipe === 'function';
}

function replay(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(body);
}

/**
 * preValidation, after authentication: a write with an Idempotency-Key either claims it and runs,
 * or gets the stored response (409 while the first is running, 422 for another body).
 */
export function claimIdempotencyKey(deps: ServiceDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!WRITE_METHODS.has(request.method)) return undefined;
    // A streamed body (the CSV import) cannot be fingerprinted before it runs; the import is
    // idempotent by itself, so its key is not needed.
    if (isStream(request.body)) return undefined;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return undefined;
    if (typeof key !== 'string' || key.length < 1 || key.length > MAX_KEY_LENGTH) {
      throw invalidRequest('Idempotency-Key', `must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const scope = request.idempotencyScope;
    if (scope === null) throw unauthenticated();
    const start = await startIdempotentRequest(deps, scope, key, fingerprintOf(request));
    if (start.kind === 'proceed') {
      request.idempotencyClaim = start.claim;
      return undefined;
    }
    if (start.kind === 'order_completed') {
      const body = JSON.stringify(presentPurchaseSuccess(start.order, start.balanceAfterCents));
      await settleIdempotentResponse(deps, start.claim, { status: 200, body, orderId: start.order.id });
      return replay(reply, 200, body);
    }
    if (start.kind === 'transaction_posted') {
      const body = JSON.stringify(presentTransaction(start.transaction));
      await settleIdempotentResponse(deps, start.claim, { status: 201, body, orderId: null });
      return replay(reply, 201, body);
    }
    if (start.kind === 'created') {
      const answer = answerFor(start.result);
      if (answer instanceof AppError) {
        request.idempotencyClaim = start.claim;
        reply.header('idempotent-replayed', 'true');
        throw answer;
      }
      await settleIdempotentResponse(deps, start.claim, { ...answer, orderId: null });
      return replay(reply, answer.status, answer.body);
    }
    if (start.kind === 'order_pending') {
      // Answered like the first request would have been at its carrier's timeout; the answer is
      // stored as pending, so the retry after recovery gets the settled outcome.
      request.idempotencyClaim = start.claim;
      throw new AppError('upstream_pending', 'The carrier has not confirmed the number yet; the order is pending', {
        order_id: start.order.id,
        retryable: false,
      });
    }
    return replay(reply, start.status, start.body);
  };
}

/** The answer to a retry of a write whose own answer was lost: what it created, or why that cannot be shown. */
function answerFor(result: CreatedResult): { status: number; body: string } | AppError {
  switch (result.kind) {
    case 'address':
      return { status: 201, body: JSON.stringify(presentAddress(result.row)) };
    case 'person':
      return { status: 201, body: JSON.stringify(presentPerson(result.row)) };
    case 'destination':
      return { status: 201, body: JSON.stringify(presentAdminDestination(result.row)) };
    case 'billing_run':
      return { status: 202, body: JSON.stringify(presentBillingRun(result.row)) };
    case 'bulk_order':
      return { status: 201, body: JSON.stringify(presentBulkOrder(result.view)) };
    case 'released':
      return { status: 200, body: JSON.stringify({ message: 'DID number successfully released', did_number: result.didNumber }) };
    case 'restored':
      return { status: 200, body: JSON.stringify(presentRestored(result.done)) };
    case 'secret':
      return new AppError('already_exists', lostSecret(result.what, result.id));
  }
}

/** Why a retry of a write whose answer held a secret is not given that secret, and what to do instead. */
function lostSecret(what: 'account' | 'api_key' | 'webhook_endpoint' | 'webhook_secret', id: string): string {
  const lost = 'was in the answer that was lost and cannot be shown again';
  switch (what) {
    case 'account':
      return `This Idempotency-Key already opened account ${id}; its API key ${lost}: issue one with POST /admin/v1/accounts/${id}/keys`;
    case 'api_key':
      return `This Idempotency-Key already created API key ${id}; its secret ${lost}: revoke it and create another`;
    case 'webhook_endpoint':
      return `This Idempotency-Key already created webhook endpoint ${id}; its signing secret ${lost}: give it a new one with POST /api/v1/webhooks/${id}/rotate-secret`;
    case 'webhook_secret':
      return `This Idempotency-Key already rotated the signing secret of webhook endpoint ${id}; the new secret ${lost}: rotate it again`;
  }
}

/** The key a write handler runs under, for services that tie it to what they create. */
export function idempotencyClaimOf(request: FastifyRequest): IdempotencyClaim | null {
  return request.idempotencyClaim;
}

/**
 * Route config of writes whose answer holds a secret shown once (an API key): it is never stored.
 * Their write ties the key in its transaction, and a retry is told what was created instead.
 */
export const ANSWER_HOLDS_SECRET = { answerHoldsSecret: true } as const;

/** onSend: stores the exact bytes answered, so replays are identical. */
export function storeIdempotentResponse(deps: ServiceDeps) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    deps.faults?.reached('before_idempotent_store');
    const config = request.routeOptions.config as { answerHoldsSecret?: boolean };
    if (config.answerHoldsSecret && reply.statusCode < 300) return payload;
    const body = typeof payload === 'string' ? payload : '';
    let pendingOrderId: string | null = null;
    if (reply.statusCode >= 500) {
      try {
        const parsed = JSON.parse(body) as { code?: string; order_id?: string };
        if (parsed.code === 'upstream_pending' && parsed.order_id) pendingOrderId = parsed.order_id;
      } catch {
        // Not our JSON error body: nothing pending to remember.
      }
    }
    try {
      await finishIdempotentRequest(deps, claim, { status: reply.statusCode, body, pendingOrderId });
    } catch (error) {
      // The answer stands (the purchase happened); the claim stays in progress until its lease
      // ends, so a retry is refused, not run twice, while the database is unreachable.
      request.log.error({ err: error }, 'could not store the idempotent response');
    }
    return payload;
  };
}
