/**
 * The request URL with every path segment and query component that does not decode to printable
 * text taken literally: a malformed escape (`%ff`, a lone `%`) or an escaped control character
 * (`%00`) gets its `%` signs escaped, so `/orders/%ff` asks for the order named `%ff`. That order
 * does not exist, so the request is answered as any unknown id is, after authentication, where the
 * router answered a 400 of its own format before any hook ran; and no NUL reaches a query
 * (PostgreSQL cannot hold one in text: `?city=%00` was a 500 there, an empty list on SQLite).
 */
export function withLiteralEscapes(url: string): string {
  if (!url.includes('%')) return url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const fixedPath = path.includes('%') ? path.split('/').map(literalIfMalformed).join('/') : path;
  if (queryAt === -1) return fixedPath;
  const query = url.slice(queryAt + 1);
  const fixedQuery = query.includes('%')
    ? query
        .split('&')
        .map((pair) => pair.split('=').map(literalIfMalformed).join('='))
        .join('&')
    : query;
  return `${fixedPath}?${fixedQuery}`;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

function literalIfMalformed(component: string): string {
  if (!component.includes('%')) return component;
  let decoded: string;
  try {
    decoded = decodeURIComponent(component);
  } catch {
    return component.replaceAll('%', '%25');
  }
  return CONTROL.test(decoded) ? component.replaceAll('%', '%25') : component;
}
