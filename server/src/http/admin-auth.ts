import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { bearerToken } from './auth.js';

/** The idempotency scope of operator requests: the operator's keys are not any account's. */
export const OPERATOR_SCOPE = 'operator';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * onRequest for /admin/v1: the admin key in `Authorization: Bearer` or `X-Admin-Key`, its SHA-256
 * compared in constant time with `keyHash` (hex). Without one the operator API answers 401 to everyone.
 */
export function authenticateOperator(keyHash: string | undefined) {
  const expected = keyHash ? Buffer.from(keyHash, 'hex') : null;
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!expected) throw new AppError('unauthenticated', 'The operator API is off: the server has no BILBY_ADMIN_KEY');
    const given = operatorKey(request);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new AppError('unauthenticated', 'Invalid admin key');
    }
    request.idempotencyScope = OPERATOR_SCOPE;
  };
}

function operatorKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-admin-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  return bearerToken(request);
}
