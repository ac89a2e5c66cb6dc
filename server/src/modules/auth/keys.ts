import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Key format: `rb_<prefix>_<secret>`: a 12-hex-character prefix that finds the row (stored in plain, shown in
 * lists) and 32 random bytes (base64url). Only sha256(key) is stored; with 256 bits of entropy a plain hash is
 * enough (no password stretching needed), and lookups stay cheap.
 */
const KEY_RE = /^rb_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export function generateKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `rb_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashKey(key) };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The row prefix of a well-formed key, else null (any other string cannot be a stored key). */
export function keyPrefix(key: string): string | null {
  return KEY_RE.exec(key)?.[1] ?? null;
}

/** Constant-time equality of two hex sha256 digests (the compared lengths never depend on the secret). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
