import { ApiError, BilbyError, ConnectionError } from '@bilby/sdk';

/** Exit codes: scripts can tell a mistake in the command from a refusal by the API or a network fault. */
export const EXIT = {
  ok: 0,
  /** The API answered with an error (its code is printed). */
  api: 1,
  /** The command line was wrong: unknown option, missing argument, bad value. */
  usage: 2,
  /** The server could not be reached. */
  network: 3,
  /** `bilby admin reconcile` ran and found differences (it printed them). */
  differences: 4,
  /** The user cancelled a guided command. */
  cancelled: 130,
} as const;

/** A mistake in how the command was called. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command did its work and printed it, and what it found makes its exit code: reconcile's differences. */
export class DifferencesFound extends Error {
  override name = 'DifferencesFound';
  readonly exitCode = EXIT.differences;
}

/** The user left a guided command. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** One clear sentence with its code, and the exit code that goes with it. */
export function describeFailure(error: unknown): { message: string; exitCode: number; code: string } {
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT.usage, code: 'usage' };
  if (error instanceof CancelledError) return { message: 'Cancelled.', exitCode: EXIT.cancelled, code: 'cancelled' };
  if (error instanceof ConnectionError) return { message: unreachable(error), exitCode: EXIT.network, code: 'network_error' };
  if (error instanceof ApiError) {
    const fields = error.body.errors?.length ? ` [${error.body.errors.map((e) => `${e.field} ${e.message}`).join('; ')}]` : '';
    return { message: `${error.detail}${fields} (code: ${error.code}, HTTP ${error.status})`, exitCode: EXIT.api, code: error.code };
  }
  if (error instanceof BilbyError) return { message: error.message, exitCode: EXIT.api, code: 'error' };
  return { message: (error as Error)?.message ?? String(error), exitCode: EXIT.api, code: 'error' };
}

/** Words for what the SDK reports of a failed connection (its messages name SDK methods). */
const CONNECTION_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running, and on that port?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'its host name could not be looked up',
  EHOSTUNREACH: 'no route to that host',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection closed before the answer came',
  timeout: 'no answer in time',
  'unknown scheme': 'only http:// and https:// URLs work',
};

function unreachable(error: ConnectionError): string {
  if (error.origin === undefined || error.reason === undefined) return error.message;
  let why = CONNECTION_FAILURES[error.reason];
  if (error.reason === 'bad port') why = `port ${new URL(error.origin).port} is on the list of ports fetch will not connect to`;
  return `could not reach ${error.origin}: ${why ?? error.reason}`;
}
