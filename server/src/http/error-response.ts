import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, type ErrorCode, type FieldError } from '../domain/errors.js';
import { newRequestId } from '../domain/ids.js';
import { MAX_JSON_DEPTH } from './json-body.js';
import { presentAvailable } from './presenters.js';

/** The one place an error code becomes an HTTP status. A new code cannot be added without one. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  unauthenticated: 401,
  account_suspended: 403,
  rate_limited: 429,
  unsupported_media_type: 415,
  payload_too_large: 413,
  headers_too_large: 431,
  request_timeout: 408,
  invalid_json: 400,
  request_in_progress: 409,
  idempotency_key_reused: 422,
  invalid_request: 400,
  invalid_number: 400,
  invalid_address: 400,
  invalid_person: 400,
  invalid_route: 400,
  number_unavailable: 404,
  insufficient_funds: 400,
  upstream_error: 500,
  upstream_pending: 500,
  number_not_found: 404,
  not_restorable: 409,
  invoice_not_found: 404,
  sms_not_supported: 400,
  not_found: 404,
  in_use: 409,
  invalid_csv: 400,
  already_exists: 409,
  reconcile_running: 409,
  billing_running: 409,
  upstream_not_configured: 409,
  sync_in_progress: 409,
  url_not_allowed: 400,
  limit_reached: 409,
  internal_error: 500,
};

/** Fastify's own errors for bodies it could not read, as our codes. */
const BODY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Request bodies must be application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is larger than 16 KiB'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The request body is empty but its content type is JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_json', 'The request body does not match its Content-Length'],
  BILBY_ERR_JSON_TOO_DEEP: ['invalid_request', `The request body nests deeper than ${MAX_JSON_DEPTH} levels`],
};

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const body: Record<string, unknown> = { detail: error.message, code: error.code, request_id: request.id };
  if (error.extras.errors) body.errors = error.extras.errors;
  if (error.extras.alternatives) body.alternatives = error.extras.alternatives.map(presentAvailable);
  if (error.extras.order_id) body.order_id = error.extras.order_id;
  if (error.extras.restore_id) body.restore_id = error.extras.restore_id;
  if (error.extras.retryable !== undefined) body.retryable = error.extras.retryable;
  if (error.extras.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extras.retryAfterSeconds));
  return reply.code(STATUS_BY_CODE[error.code]).send(body);
}

/**
 * Translates anything thrown while handling a request into the contract's error body. Unknown
 * errors are logged with the request id and answered 500 internal_error with nothing internal.
 */
export function toAppError(request: FastifyRequest, error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return new AppError('invalid_request', describeValidation(fastifyError), {
      errors: fieldErrors(fastifyError),
    });
  }
  const bodyError = fastifyError.code ? BODY_ERRORS[fastifyError.code] : undefined;
  if (bodyError) return new AppError(bodyError[0], bodyError[1]);
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('invalid_request', 'The request could not be understood');
  }
  request.log.error({ err: error }, 'unhandled error');
  return new AppError('internal_error', 'Something went wrong on our side; the request id identifies it');
}

/** Node's HTTP parser errors, as our codes; any other is a request that is not valid HTTP. */
const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'The request headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'The request headers did not arrive in time'],
};

/**
 * Fastify's clientErrorHandler: what Node's HTTP parser refuses before a request exists (a request
 * line or header it cannot read, headers over its size limit or not all there in time) answered in the contract's format,
 * with a request id of its own, on a connection that then closes.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? ['invalid_request', 'The request is not valid HTTP'];
  // As Node's own handler: never write into a response already on its way.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const requestId = newRequestId();
    const body = JSON.stringify({ detail, code, request_id: requestId });
    const status = STATUS_BY_CODE[code];
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** True for errors raised while reading the body, before the body's api_key could be seen. */
export function isBodyError(error: FastifyError | Error): boolean {
  const code = (error as FastifyError).code;
  return code !== undefined && code in BODY_ERRORS;
}

type Issue = NonNullable<FastifyError['validation']>[number];

const ENUM_MESSAGE = 'must be equal to one of the allowed values';

/**
 * Ajv's errors for a nullable field (`anyOf: [schema, {type: 'null'}]`, the schemas' Nullable) that
 * fails: the branch's own error ("must NOT have more than 255 characters"), plus "must be null" from
 * the null branch and "must match a schema in anyOf". Only the first says anything: the other two
 * are dropped, and a wrong type is said as "must be string or null".
 */
function withoutNullableNoise(issues: Issue[]): Issue[] {
  const nullable = issues.filter(
    (issue) =>
      issue.keyword === 'anyOf' &&
      issues.some((other) => isNullBranch(other, issue)) &&
      issues.some((other) => isUnder(other, issue) && !isNullBranch(other, issue)),
  );
  if (nullable.length === 0) return issues;
  return issues.flatMap((issue) => {
    if (nullable.includes(issue) || nullable.some((anyOf) => isNullBranch(issue, anyOf))) return [];
    const anyOf = nullable.find((candidate) => isUnder(issue, candidate) && issue.instancePath === candidate.instancePath);
    const type = (issue.params as { type?: unknown }).type;
    if (anyOf && issue.keyword === 'type' && typeof type === 'string') return [{ ...issue, message: `must be ${type} or null` }];
    return [issue];
  });
}

/** Ajv says only "must be equal to one of the allowed values": name them, as the document does. */
function enumMessage(issue: Issue): string {
  const allowed = (issue.params as { allowedValues?: unknown }).allowedValues;
  return Array.isArray(allowed) ? `must be one of ${allowed.map((value) => String(value)).join(', ')}` : (issue.message ?? 'is invalid');
}

function isUnder(issue: Issue, anyOf: Issue): boolean {
  return issue !== anyOf && issue.schemaPath.startsWith(`${anyOf.schemaPath}/`);
}

function isNullBranch(issue: Issue, anyOf: Issue): boolean {
  return (
    isUnder(issue, anyOf) &&
    issue.instancePath === anyOf.instancePath &&
    issue.keyword === 'type' &&
    (issue.params as { type?: unknown }).type === 'null'
  );
}

function fieldErrors(error: FastifyError): FieldError[] {
  return withoutNullableNoise(error.validation ?? []).map((issue) => {
    const params = issue.params as Record<string, unknown>;
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const field = missing ? (path ? `${path}.${missing}` : missing) : path || (error.validationContext ?? 'body');
    if (missing) return { field, message: 'is required' };
    return { field, message: issue.keyword === 'enum' && issue.message === ENUM_MESSAGE ? enumMessage(issue) : (issue.message ?? 'is invalid') };
  });
}

function describeValidation(error: FastifyError): string {
  const first = fieldErrors(error)[0];
  return first ? `${first.field} ${first.message}` : 'The request is invalid';
}
