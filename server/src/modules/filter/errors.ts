/**
 * Errors and hard limits of the run filter language.
 *
 * Every problem in user input surfaces as a FilterError carrying the 0-based offset into the
 * source, so the API layer can map it to INVALID_FILTER and clients can underline the spot.
 */

export class FilterError extends Error {
  /** 0-based character offset into the filter (or sort field) text. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'FilterError';
    this.position = position;
  }
}

/**
 * Limits keep a hostile or runaway filter from producing huge SQL or deep recursion
 * (both in our parser and in PostgreSQL's planner).
 */
export const FILTER_LIMITS = {
  /** Characters of filter text. */
  maxLength: 4000,
  /** Leaf predicates (`a = 1` counts one; each IN list counts one). */
  maxPredicates: 100,
  /** Nested parentheses plus NOTs. */
  maxDepth: 20,
} as const;
