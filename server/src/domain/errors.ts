import type { ListedNumber } from './number-record.js';

/** Every error code a client can see. Programs branch on these; they never change meaning. */
export type ErrorCode =
  | 'unauthenticated'
  | 'account_suspended'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'invalid_json'
  | 'request_in_progress'
  | 'idempotency_key_reused'
  | 'invalid_request'
  | 'invalid_number'
  | 'invalid_address'
  | 'invalid_person'
  | 'invalid_route'
  | 'number_unavailable'
  | 'insufficient_funds'
  | 'upstream_error'
  | 'upstream_pending'
  | 'number_not_found'
  | 'not_restorable'
  | 'invoice_not_found'
  | 'sms_not_supported'
  | 'not_found'
  | 'in_use'
  | 'invalid_csv'
  | 'already_exists'
  | 'reconcile_running'
  | 'billing_running'
  | 'upstream_not_configured'
  | 'sync_in_progress'
  | 'url_not_allowed'
  | 'limit_reached'
  | 'internal_error';

export interface FieldError {
  field: string;
  message: string;
}

/** Extra members an error body may carry besides detail, code and request_id. */
export interface ErrorExtras {
  errors?: FieldError[];
  /** Numbers for sale like the one that is not (number_unavailable). */
  alternatives?: ListedNumber[];
  order_id?: string;
  /** The pending restore an upstream_pending answer is about. */
  restore_id?: string;
  retryable?: boolean;
  /** Seconds until a rate-limited client may try again (sent as Retry-After). */
  retryAfterSeconds?: number;
}

/** A failure the client caused or must know about. Carries no HTTP status: http/ maps codes. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extras: ErrorExtras;

  constructor(code: ErrorCode, detail: string, extras: ErrorExtras = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.extras = extras;
  }
}

export function invalidRequest(field: string, message: string): AppError {
  return new AppError('invalid_request', `${field}: ${message}`, { errors: [{ field, message }] });
}
