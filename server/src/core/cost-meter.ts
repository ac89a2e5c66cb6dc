import type { GraphQLError, GraphQLResolveInfo } from 'graphql';
import { ErrorCode, userError } from './errors.ts';

/**
 * The part of a request's cost that only the data knows. The static cost (api/limits.ts) bounds every list the
 * schema or the arguments size; a list whose length is in the database (a run's metric keys: 5 or 200,000) is
 * charged here, from a count, before its rows are read: the items past the ASSUMED_LIST_ITEMS the static cost
 * already counted. Over HTTP the request starts at its static cost and the charges add up against MAX_QUERY_COST
 * (10 aliases of a page over a 200k-key run are refused at the first); a subscription executes its selection once
 * per event, so there each charge stands alone.
 */
/** Items the static cost assumes for a list nothing in the document sizes (Run.metrics without keys). */
export const ASSUMED_LIST_ITEMS = 10;

export class CostMeter {
  private spent = 0;
  /**
   * Over HTTP, the first refusal ends the request: every later charge throws it again and the loaders behind
   * data-sized lists read nothing more, so a refused page does not go on loading every other run's summaries
   * (the 10 aliases x 50 runs), and the answer is this one error (graphql.ts), not a partial result.
   */
  private refusal: GraphQLError | null = null;

  /** Set (HTTP) when the operation holds a data-sized list: pages of runs are then listed one at a time. */
  private pacing = false;
  /** The page listed last (settled), which the next one waits for. */
  private lastPage: Promise<unknown> = Promise.resolve();

  constructor(
    readonly limit: number,
    private readonly cumulative = true,
  ) {}

  /**
   * Starts from the document's static cost, which already counted ASSUMED_LIST_ITEMS per data-sized list;
   * `dataSized`: the operation has such a list (see page).
   */
  begin(staticCost: number, dataSized = false): void {
    if (!this.cumulative) return;
    this.spent = staticCost;
    this.pacing = dataSized;
  }

  /**
   * Lists one page of runs. In an operation with a data-sized list, pages wait for each other: each run row
   * carries its key count (runs.metric_keys), so a page's Run.metrics are charged as soon as it is listed, and the
   * next page starts only after that (one macrotask later, when graphql has completed the page's fields). Ten
   * aliases of a page over a 200k-key run are then refused after listing one page, not ten (issue #20); a page
   * after the refusal is not listed at all. Other operations list their pages at once, as before.
   */
  page<T>(list: () => Promise<T>): Promise<T> {
    if (!this.pacing) return list();
    const turn = this.lastPage
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => {
        if (this.refusal) throw this.refusal;
        return list();
      });
    this.lastPage = turn.catch(() => {});
    return turn;
  }

  /** The refusal that ended this request, if one did (HTTP only). */
  get refused(): GraphQLError | null {
    return this.refusal;
  }

  /** Units still allowed: a count past what this could pay for need not be finished (it is refused either way). */
  remaining(): number {
    return this.cumulative ? Math.max(0, this.limit - this.spent) : this.limit;
  }

  /** Adds `units`; QUERY_TOO_COMPLEX (nothing read yet for this field) once the total passes the limit. */
  charge(units: number, what: string): void {
    if (this.refusal) throw this.refusal;
    const total = this.cumulative ? this.spent + units : units;
    if (total > this.limit) {
      const err = userError(
        ErrorCode.QUERY_TOO_COMPLEX,
        `${what} would bring the request's cost to ${total}, over the limit ${this.limit}; ask for fewer runs, or name the keys.`,
        { cost: total },
      );
      if (this.cumulative) this.refusal = err;
      throw err;
    }
    this.spent = total;
  }
}

/** Cost of one item of a list field: the item plus each field selected in it (what the static cost counts too). */
export function itemCost(info: GraphQLResolveInfo): number {
  return 1 + (info.fieldNodes[0]?.selectionSet?.selections.length ?? 0);
}
