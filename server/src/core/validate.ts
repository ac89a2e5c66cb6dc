import { badInput } from './errors.ts';

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

/** In a `u` regex a well-paired surrogate is one code point, so only lone halves match. */
export const LONE_SURROGATE = /\p{Surrogate}/u;

export function checkName(field: string, value: string, max: number = LIMITS.name): string {
  const v = value.trim();
  if (v.length === 0) throw badInput(field, 'must not be empty');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters (got ${v.length})`);
  if (CONTROL.test(v)) throw badInput(field, 'must not contain control characters');
  // PostgreSQL would store a lone UTF-16 half as U+FFFD: the name read back would not be the one given.
  if (LONE_SURROGATE.test(v)) throw badInput(field, 'must not contain lone UTF-16 surrogates');
  return v;
}

export function checkText(field: string, value: string, max: number): string {
  if (value.length > max) throw badInput(field, `must be at most ${max} characters (got ${value.length})`);
  // PostgreSQL text cannot hold U+0000; refusing it here keeps the request from failing half-way.
  if (value.includes('\0')) throw badInput(field, 'must not contain NUL (U+0000) characters');
  if (LONE_SURROGATE.test(value)) throw badInput(field, 'must not contain lone UTF-16 surrogates');
  return value;
}

/** Stored text that must not be refused (trainer output): NUL and lone surrogates become U+FFFD. */
export function sanitiseText(value: string): string {
  return value.replace(/\0|\p{Surrogate}/gu, '\ufffd');
}

/** Deepest JSON nesting accepted in config, systemInfo and metadata. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a JSON value cannot be stored as jsonb, or null: nesting deeper than MAX_JSON_DEPTH, NUL characters
 * or lone UTF-16 surrogates in keys or strings (jsonb rejects both). Iterative, so hostile depth cannot
 * overflow the stack.
 */
export function jsonProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  const badString = (s: string) =>
    s.includes('\0') ? 'NUL (U+0000) characters' : LONE_SURROGATE.test(s) ? 'lone UTF-16 surrogates' : null;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const bad = badString(v);
      if (bad) return `must not contain ${bad}`;
    } else if (v !== null && typeof v === 'object') {
      if (depth > MAX_JSON_DEPTH) return `must not be nested more than ${MAX_JSON_DEPTH} levels deep`;
      if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
      else
        for (const [k, x] of Object.entries(v)) {
          const bad = badString(k);
          if (bad) return `keys must not contain ${bad}`;
          stack.push([x, depth + 1]);
        }
    }
  }
  return null;
}

export function checkTags(field: string, tags: readonly string[]): string[] {
  if (tags.length > LIMITS.tags) throw badInput(field, `at most ${LIMITS.tags} tags`);
  const out = tags.map((t) => checkName(field, t, LIMITS.tag));
  return [...new Set(out)];
}

export function checkJsonObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badInput(field, 'must be a JSON object');
  const problem = jsonProblem(value);
  if (problem) throw badInput(field, problem);
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
