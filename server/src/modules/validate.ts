import { badInput } from '../graphql/errors.js';

/** Input limits shared by every module; the SDL descriptions quote these numbers. */
export const LIMITS = {
  name: 200,
  description: 10_000,
  notes: 100_000,
  tag: 64,
  tags: 100,
  metricKey: 250,
  jsonBytes: 1_000_000,
  error: 65_536,
  pointsPerRequest: 1_000_000,
  pageSize: 500,
} as const;

// Control characters make names unprintable in tables and CSV exports.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkName(field: string, value: string, max: number = LIMITS.name): string {
  const v = value.trim();
  if (v.length === 0) throw badInput(field, 'must not be empty');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters (got ${v.length})`);
  if (CONTROL.test(v)) throw badInput(field, 'must not contain control characters');
  return v;
}

export function checkText(field: string, value: string, max: number): string {
  if (value.length > max) throw badInput(field, `must be at most ${max} characters (got ${value.length})`);
  return value;
}

export function checkTags(field: string, tags: readonly string[]): string[] {
  if (tags.length > LIMITS.tags) throw badInput(field, `at most ${LIMITS.tags} tags`);
  const out = tags.map((t) => checkName(field, t, LIMITS.tag));
  return [...new Set(out)];
}

export function checkJsonObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badInput(field, 'must be a JSON object');
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > LIMITS.jsonBytes) throw badInput(field, `must be at most ${LIMITS.jsonBytes} bytes of JSON (got ${size})`);
  return value as Record<string, unknown>;
}

export function checkPageSize(
  first: number | null | undefined,
  fallback: number,
  max: number = LIMITS.pageSize,
): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badInput('first', `must be between 1 and ${max}`);
  return n;
}
