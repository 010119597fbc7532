import { BilbyError } from './errors.js';

/** A delivery whose `Bilby-Signature` does not prove it came from Bilby with this secret, now. */
export class WebhookSignatureError extends BilbyError {}

export interface VerifyWebhookOptions {
  /** How old a delivery's timestamp may be, so that a captured delivery cannot be replayed later. @default 300 */
  toleranceSeconds?: number;
  /** The time to check the timestamp against, in seconds since the epoch. @default now */
  nowSeconds?: number;
  /**
   * Web Crypto's `subtle`, where the runtime has no global `crypto` (Node.js 18:
   * `(await import('node:crypto')).webcrypto.subtle`). @default globalThis.crypto.subtle
   */
  subtle?: SubtleCrypto;
}

/**
 * Checks a webhook delivery as Stripe's scheme does: the header `Bilby-Signature: t=<unix>,v1=<hex>`
 * holds the HMAC-SHA256 of `"<t>.<body>"` under the endpoint's signing secret. While a secret is
 * being rotated a delivery carries one `v1` for each secret in use; pass either secret, or both.
 * `body` must be the raw bytes received, before any JSON parsing. Resolves the parsed event;
 * rejects with {@link WebhookSignatureError}.
 */
export async function verifyWebhook<T = unknown>(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): Promise<T> {
  const { timestamp, signatures } = parseSignatureHeader(header);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError(`The delivery's timestamp is ${now - timestamp} s from now, more than the ${tolerance} s tolerated`);
  }
  const subtle = options.subtle ?? globalThis.crypto?.subtle;
  if (!subtle) throw new WebhookSignatureError('No Web Crypto here: pass options.subtle');
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const candidate of secrets) {
    const expected = await hmacHex(subtle, candidate, `${timestamp}.${text}`);
    if (signatures.some((signature) => constantTimeEqual(signature, expected))) return JSON.parse(text) as T;
  }
  throw new WebhookSignatureError('No signature of the delivery matches the secret');
}

function parseSignatureHeader(header: string | null | undefined): { timestamp: number; signatures: string[] } {
  if (!header) throw new WebhookSignatureError('The delivery has no Bilby-Signature header');
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) throw new WebhookSignatureError('The Bilby-Signature header has no timestamp (t=)');
  if (signatures.length === 0) throw new WebhookSignatureError('The Bilby-Signature header has no v1 signature');
  return { timestamp, signatures };
}

async function hmacHex(subtle: SubtleCrypto, secret: string, payload: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(payload)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Compares every character whatever the first difference, so that timing tells nothing of the signature. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
