/**
 * Ids are PostgreSQL UUIDs (gen_random_uuid). Every package checks them the same way, so a malformed id is
 * refused before it reaches SQL (where it would be a 22P02 error) or a URL.
 */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
