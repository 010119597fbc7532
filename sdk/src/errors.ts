/**
 * Errors the SDK throws. Branch on the class (or on `code`): classes are chosen by the body's
 * `code`, or, for servers that send only FastAPI's `detail` (crazytel.io), by the HTTP status.
 */

/** Every error the SDK throws. */
export class BilbyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server could not be reached, or did not answer in time. Retried before it is thrown. */
export class ConnectionError extends BilbyError {
  /** The server the client was talking to, e.g. `http://localhost:8080`. */
  readonly origin: string | undefined;
  /**
   * What went wrong: `timeout` (no answer within `timeoutMs`), the system's code
   * (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, ...), or fetch's own words (`bad port`).
   */
  readonly reason: string | undefined;

  constructor(message: string, options: { cause?: unknown; origin?: string; reason?: string } = {}) {
    super(message, { cause: options.cause });
    this.origin = options.origin;
    this.reason = options.reason;
  }
}

/** A call that is a Bilby extension, made by a client created with `compatibility: 'crazytel'`. */
export class UnsupportedError extends BilbyError {}

export interface ApiErrorBody {
  detail?: unknown;
  code?: string;
  request_id?: string;
  errors?: Array<{ field: string; message: string }>;
  alternatives?: unknown[];
  order_id?: string;
  retryable?: boolean;
  [key: string]: unknown;
}

/** The server answered with an error status. */
export class ApiError extends BilbyError {
  readonly status: number;
  /** Bilby's stable code; derived from the status when the server sends none. */
  readonly code: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly body: ApiErrorBody;

  constructor(status: number, code: string, body: ApiErrorBody) {
    const detail = describeDetail(body.detail) ?? `HTTP ${status}`;
    super(`${detail} (${code})`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.requestId = body.request_id;
    this.body = body;
  }
}

export class AuthenticationError extends ApiError {}
export class AccountSuspendedError extends ApiError {}
/** 400: the request is wrong; `fieldErrors` names each bad field when the server says. */
export class InvalidRequestError extends ApiError {
  get fieldErrors(): Array<{ field: string; message: string }> {
    return this.body.errors ?? [];
  }
}
export class InsufficientFundsError extends ApiError {}
export class NotFoundError extends ApiError {}
/** The number cannot be bought; `alternatives` lists similar available numbers when the server sends them. */
export class NumberUnavailableError extends ApiError {
  get alternatives(): unknown[] {
    return this.body.alternatives ?? [];
  }
}
export class ConflictError extends ApiError {}
export class IdempotencyError extends ApiError {}
export class RateLimitError extends ApiError {
  constructor(
    status: number,
    code: string,
    body: ApiErrorBody,
    /** Seconds the server asked us to wait, if it said. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(status, code, body);
  }
}
/** The carrier refused or did not answer. `pending` means the order may still complete (see `orderId`). */
export class UpstreamError extends ApiError {
  get orderId(): string | undefined {
    return this.body.order_id;
  }
  get pending(): boolean {
    return this.code === 'upstream_pending';
  }
}
export class ServerError extends ApiError {}

type ApiErrorClass = new (status: number, code: string, body: ApiErrorBody) => ApiError;

const CLASS_BY_CODE: Record<string, ApiErrorClass> = {
  unauthenticated: AuthenticationError,
  account_suspended: AccountSuspendedError,
  insufficient_funds: InsufficientFundsError,
  number_unavailable: NumberUnavailableError,
  number_not_found: NotFoundError,
  invoice_not_found: NotFoundError,
  not_found: NotFoundError,
  in_use: ConflictError,
  already_exists: ConflictError,
  request_in_progress: ConflictError,
  reconcile_running: ConflictError,
  billing_running: ConflictError,
  idempotency_key_reused: IdempotencyError,
  upstream_error: UpstreamError,
  upstream_pending: UpstreamError,
  internal_error: ServerError,
};

const CODE_BY_STATUS: Record<number, string> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'invalid_request',
  429: 'rate_limited',
};

/**
 * The error for a response. `operation` tells a purchase apart, where a code-less 404 means the
 * number is unavailable and a code-less 500 the carrier ("API communication error").
 */
export function errorFromResponse(
  status: number,
  body: ApiErrorBody,
  retryAfterSeconds: number | undefined,
  operation: string,
): ApiError {
  const isPurchase = operation === 'purchase';
  let code = typeof body.code === 'string' ? body.code : undefined;
  if (code === undefined) {
    const detail = describeDetail(body.detail) ?? '';
    if (status === 400 && /insufficient|balance|funds/i.test(detail)) code = 'insufficient_funds';
    else if (status === 404 && isPurchase) code = 'number_unavailable';
    else if (status >= 500 && isPurchase) code = 'upstream_error';
    else code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
  }
  if (code === 'rate_limited' || status === 429) return new RateLimitError(status, code, body, retryAfterSeconds);
  const known = CLASS_BY_CODE[code];
  if (known) return new known(status, code, body);
  if (status === 401) return new AuthenticationError(status, code, body);
  if (status === 403) return new AccountSuspendedError(status, code, body);
  if (status === 404) return new NotFoundError(status, code, body);
  if (status === 409) return new ConflictError(status, code, body);
  if (status >= 500) return new ServerError(status, code, body);
  return new InvalidRequestError(status, code, body);
}

/** FastAPI's `detail` is a string, or a list of validation issues. */
function describeDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item: { loc?: unknown[]; msg?: string }) => [item.loc?.slice(1).join('.'), item.msg].filter(Boolean).join(': '))
      .join('; ');
  }
  return undefined;
}
