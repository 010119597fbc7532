import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '../domain/network-address.js';
import { hostOf } from '../domain/webhook-endpoint.js';

/** What one POST to a receiver came to. */
export interface PostResult {
  /** A 2xx came back. */
  ok: boolean;
  statusCode: number | null;
  /** Why it failed, in words for the endpoint's log; null when it succeeded. */
  error: string | null;
  durationMs: number;
  /** Cut off by the caller's signal before an answer came. */
  aborted?: boolean;
}

export interface WebhookPoster {
  post(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<PostResult>;
  close(): void;
}

/** Raised by the guarded lookup: the host resolved to an address Bilby must not reach. */
class RefusedAddressError extends Error {}

/**
 * POSTs deliveries, each within `timeoutMs`, over kept-alive connections. Unless `allowPrivate`,
 * only to public addresses: an IP in the URL is checked before connecting and a host name's every
 * address when it is looked up for a connection, so a name that resolves elsewhere later (DNS
 * rebinding) is caught too. Redirects are not followed (a 3xx is a failure), so a receiver cannot
 * send Bilby on to an address it would refuse.
 */
export function createWebhookPoster(options: { timeoutMs: number; allowPrivate: boolean }): WebhookPoster {
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = options.allowPrivate ? undefined : addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused) return callback(new RefusedAddressError(`${hostname} resolves to ${refused.address}, which is not a public address`), '', 0);
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 16 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
  };
  return {
    post(url, body, headers, signal) {
      const started = performance.now();
      const done = (ok: boolean, statusCode: number | null, error: string | null): PostResult => ({ ok, statusCode, error, durationMs: performance.now() - started });
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.resolve(done(false, null, 'the endpoint URL does not parse'));
      }
      const host = hostOf(target);
      if (!options.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
        return Promise.resolve(done(false, null, `refused: ${host} is not a public address`));
      }
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<PostResult>((resolve) => {
        let settled = false;
        const finish = (result: PostResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          resolve(result);
        };
        const request = send(
          target,
          {
            method: 'POST',
            agent: agents[target.protocol as 'http:' | 'https:'],
            lookup,
            headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          },
          (response: IncomingMessage) => {
            const status = response.statusCode ?? 0;
            // The answer's body is not kept: read and dropped, so the connection can be used again.
            response.resume();
            response.on('end', () => finish(done(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `the receiver answered HTTP ${status}`)));
            response.on('error', (error) => finish(done(false, status, `the answer broke off: ${error.message}`)));
          },
        );
        const timer = setTimeout(() => {
          finish(done(false, null, `no answer within ${options.timeoutMs} ms`));
          request.destroy();
        }, options.timeoutMs);
        const abort = () => {
          finish({ ...done(false, null, 'cut off: the server is shutting down'), aborted: true });
          request.destroy();
        };
        if (signal?.aborted) abort();
        else signal?.addEventListener('abort', abort, { once: true });
        request.on('error', (error: NodeJS.ErrnoException) => {
          if (error instanceof RefusedAddressError) finish(done(false, null, `refused: ${error.message}`));
          else finish(done(false, null, describeNetworkError(error)));
        });
        request.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (ECONNREFUSED)';
    case 'ENOTFOUND':
      return 'the host name does not resolve (ENOTFOUND)';
    case 'ECONNRESET':
      return 'the connection was reset (ECONNRESET)';
    default:
      return error.code ? `${error.message} (${error.code})` : error.message;
  }
}
