import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys Bilby generates look like GitHub's tokens: a prefix that says what they are, a random body,
 * and a CRC32 checksum, so a mistyped or made-up key is rejected without touching the database.
 */
export const API_KEY_PREFIX = 'bilby_live_';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export function generateApiKey(): string {
  const bytes = randomBytes(BODY_LENGTH);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte % 62];
  return `${API_KEY_PREFIX}${body}${base62(crc32(body), CHECKSUM_LENGTH)}`;
}

/** False only for a key that claims to be Bilby's but whose checksum does not match. */
export function hasPlausibleChecksum(key: string): boolean {
  if (!key.startsWith(API_KEY_PREFIX)) return true;
  const rest = key.slice(API_KEY_PREFIX.length);
  if (rest.length !== BODY_LENGTH + CHECKSUM_LENGTH) return false;
  const body = rest.slice(0, BODY_LENGTH);
  return base62(crc32(body), CHECKSUM_LENGTH) === rest.slice(BODY_LENGTH);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The last characters of a key, safe to show in listings so an operator can tell keys apart. */
export function keyHint(key: string): string {
  return key.slice(-4);
}

/** An API key as it may be shown: what tells it apart, never the key itself nor its hash. */
export interface ApiKeyInfo {
  id: string;
  hint: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}
