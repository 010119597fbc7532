import { createHmac } from 'node:crypto';

/**
 * A webhook delivery's `Bilby-Signature` header, Stripe's scheme so that its users know how to
 * check it: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per secret in use
 * (two while an endpoint's secret is being rotated, so that receivers holding either accept it).
 */
export function signatureHeader(body: string, secrets: readonly string[], timestampSeconds: number): string {
  const signed = `${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${timestampSeconds}`, ...signatures].join(',');
}
