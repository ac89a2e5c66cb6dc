import { isUuid } from '@runboard/contract/ids';
/**
 * Validation and normalisation of literal values against the type a field expects.
 * Everything returned here is the string we bind as a parameter.
 */
import { type FieldRef, type FilterValue, RUN_STATUSES } from './ast.ts';
import { FilterError } from './errors.ts';

const KIND_NAMES: Record<FilterValue['kind'], string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  null: 'null',
  word: 'a bare word',
};

export function describeValue(v: FilterValue): string {
  return KIND_NAMES[v.kind];
}

/** `Cannot compare name with a number at position 7: name takes strings`. */
export function typeError(field: FieldRef, v: FilterValue, expected: string): FilterError {
  let hint = expected;
  if (v.kind === 'word') hint += `; quote text as "${v.value}"`;
  return new FilterError(
    `Cannot compare ${field.text} with ${describeValue(v)} at position ${v.position}: ${field.text} takes ${hint}`,
    v.position,
  );
}

/**
 * Decimal text of a number literal for a `numeric` parameter. The literal as written is kept
 * (not String(value)) so `config.seed = 12345678901234567890` compares exactly; magnitudes that
 * JavaScript itself cannot represent are refused because numeric's range ends near 1e131072
 * and no JSON config value can be that large anyway.
 */
export function numericText(v: Extract<FilterValue, { kind: 'number' }>): string {
  if (Number.isNaN(v.value) || !Number.isFinite(v.value)) {
    if (/^[+-]?(nan|infinity)$/i.test(v.raw)) return v.raw;
    throw new FilterError(`Number ${v.raw} at position ${v.position} is out of range`, v.position);
  }
  if (v.value === 0 && /[1-9]/.test(v.raw.replace(/[eE].*$/, ''))) {
    throw new FilterError(`Number ${v.raw} at position ${v.position} is too small`, v.position);
  }
  return v.raw;
}

/** Text for a float8 parameter: JS formatting gives 'NaN', 'Infinity', '1e-7', which float8 accepts. */
export function float8Text(v: Extract<FilterValue, { kind: 'number' }>): string {
  return String(v.value);
}

export function statusValue(field: FieldRef, v: FilterValue): string {
  if (v.kind !== 'word' && v.kind !== 'string') throw typeError(field, v, `a status: ${RUN_STATUSES.join(', ')}`);
  const upper = v.value.toUpperCase();
  if (!(RUN_STATUSES as readonly string[]).includes(upper)) {
    throw new FilterError(
      `Unknown status ${JSON.stringify(v.value)} at position ${v.position}: expected one of ${RUN_STATUSES.join(', ')}`,
      v.position,
    );
  }
  return upper;
}

/** Validated here because PostgreSQL would otherwise fail the whole query with 22P02. */
export function uuidValue(field: FieldRef, v: FilterValue): string {
  if (v.kind !== 'string') throw typeError(field, v, 'a quoted UUID');
  if (!isUuid(v.value)) {
    throw new FilterError(`Invalid UUID ${JSON.stringify(v.value)} at position ${v.position}`, v.position);
  }
  return v.value.toLowerCase();
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO 8601 date or date-time -> ISO string in UTC. A time without zone is read as UTC (not the
 * server's local zone) so a filter means the same thing on every machine. Only ISO shapes are
 * accepted: `Date` alone would take "1" or "March" and silently roll 2026-02-31 to March 3rd.
 */
export function timestampValue(field: FieldRef, v: FilterValue): string {
  if (v.kind !== 'string')
    throw typeError(field, v, 'a quoted ISO date such as "2026-11-01" or "2026-11-01T12:00:00Z"');
  const bad = () =>
    new FilterError(
      `Invalid timestamp ${JSON.stringify(v.value)} at position ${v.position}: expected ISO 8601 such as "2026-11-01" or "2026-11-01T12:00:00Z"`,
      v.position,
    );
  const m = TIMESTAMP_RE.exec(v.value.trim());
  if (!m) throw bad();
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    Number(hh) > 23 ||
    Number(mi) > 59 ||
    Number(ss) > 59
  ) {
    throw bad();
  }
  let offset = zone.toUpperCase();
  if (offset !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    offset = `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  const ms = `${frac}000`.slice(0, 3);
  const date = new Date(`${y}-${mo}-${d}T${hh}:${mi}:${ss}.${ms}${offset}`);
  // Year 0 (or a zone pushing 0001-01-01 before it) is valid ISO but out of PostgreSQL's AD range: 22008.
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) throw bad();
  return date.toISOString();
}
