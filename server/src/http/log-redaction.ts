import type { FastifyRequest } from 'fastify';

/** What a logged URL shows in place of what it leaves out. */
export const REDACTED = '[redacted]';

/**
 * A URL as it may be logged: the path, and of the query string only the parameters the API defines
 * (`known`), with their values. Every other parameter, name and value, becomes `[redacted]`, and so
 * does a fragment: clients put keys in query strings under any name (`api_key`, `API_KEY`, `token`,
 * `access_token`, a bare `?<key>`), so no list of credential-looking names can catch them all, while
 * the parameters the API reads are never credentials.
 */
export function loggableUrl(url: string, known: ReadonlySet<string>): string {
  const end = pathEnd(url);
  if (end === url.length) return url;
  const fragment = url.indexOf('#', end);
  let out = url.slice(0, end);
  if (url.charCodeAt(end) === 63 /* ? */) {
    const query = url.slice(end + 1, fragment === -1 ? url.length : fragment);
    out += `?${query
      .split('&')
      .map((pair) => (pair === '' || known.has(parameterName(pair)) ? pair : REDACTED))
      .join('&')}`;
  }
  return fragment === -1 ? out : `${out}#${REDACTED}`;
}

/** The request's path without its query string or fragment, for messages that echo it back. */
export function pathOf(url: string): string {
  return url.slice(0, pathEnd(url));
}

/**
 * Fastify's request serializer (method, url, version, host, remote address and port) with the URL made
 * loggable; `known` fills in as routes are registered.
 */
export function requestSerializer(known: ReadonlySet<string>) {
  return (request: FastifyRequest) => ({
    method: request.method,
    url: loggableUrl(request.url, known),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  });
}

function pathEnd(url: string): number {
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  if (query === -1) return fragment === -1 ? url.length : fragment;
  return fragment === -1 || query < fragment ? query : fragment;
}

function parameterName(pair: string): string {
  const equals = pair.indexOf('=');
  const raw = (equals === -1 ? pair : pair.slice(0, equals)).replaceAll('+', ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
