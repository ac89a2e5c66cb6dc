/**
 * Bind-parameter collector. The compilers never splice user text into SQL: every literal and
 * every user-chosen identifier (config path segment, metric key) becomes a `$n` placeholder.
 *
 * All values pushed by this module are strings (numbers as their decimal text, 'NaN', 'Infinity',
 * ISO timestamps...) and each placeholder carries an explicit cast in the SQL, so the result works
 * the same through `pg`, Prisma's $queryRawUnsafe or any other driver, without type inference.
 */
export class SqlParams {
  /** Values in placeholder order: values[0] is `$<start + 1>`. */
  readonly values: unknown[] = [];

  /**
   * @param start how many placeholders the surrounding query already uses; the first `add`
   *   returns `$<start + 1>`. E.g. with your own [$1, $2], pass `new SqlParams(2)` and
   *   execute with `[...yours, ...params.values]`.
   */
  constructor(readonly start = 0) {
    if (!Number.isInteger(start) || start < 0)
      throw new RangeError(`SqlParams start must be a non-negative integer, got ${start}`);
  }

  /** Appends a value and returns its placeholder, e.g. "$3". */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.start + this.values.length}`;
  }

  /** Number of the next placeholder `add` would return. */
  get nextIndex(): number {
    return this.start + this.values.length + 1;
  }
}

/**
 * Runs `build` against a scratch collector and only commits its values to `params` when it
 * succeeds, so a FilterError thrown half-way never leaves stray values in the caller's list.
 */
export function withScratch<T>(params: SqlParams, build: (scratch: SqlParams) => T): T {
  const scratch = new SqlParams(params.start + params.values.length);
  const result = build(scratch);
  params.values.push(...scratch.values);
  return result;
}
