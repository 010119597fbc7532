/**
 * A new idempotency key: a random version 4 UUID. From Web Crypto's randomUUID where the platform
 * has it (Node.js 19+, browsers on secure pages); else from getRandomValues (browsers on plain-http
 * pages); Node.js 18 keeps Web Crypto behind a flag, and the SDK imports nothing of Node's, so
 * there the key's bits come from Math.random. A key only has to differ from the
 * account's other keys for a day, not resist guessing: the API key is what authenticates.
 */
export function newIdempotencyKey(): string {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof webCrypto?.randomUUID === 'function') return webCrypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof webCrypto?.getRandomValues === 'function') webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
