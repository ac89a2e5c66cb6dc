import type { GraphQLResolveInfo } from 'graphql';
import { ErrorCode, userError } from './errors.ts';

/**
 * The part of a request's cost that only the data knows. The static cost (api/limits.ts) bounds every list the
 * schema or the arguments size; a list whose length is in the database (a run's metric keys: 5 or 200,000) is
 * charged here, from a count, before its rows are read. Over HTTP the charges of one request add up against
 * MAX_QUERY_COST (10 aliases of a page over a 200k-key run are refused at the first one); a subscription
 * executes its selection once per event, so there each charge stands alone.
 */
export class CostMeter {
  private spent = 0;

  constructor(
    readonly limit: number,
    private readonly cumulative = true,
  ) {}

  /** Adds `units`; QUERY_TOO_COMPLEX (nothing read yet for this field) once the total passes the limit. */
  charge(units: number, what: string): void {
    const total = this.cumulative ? this.spent + units : units;
    if (total > this.limit)
      throw userError(
        ErrorCode.QUERY_TOO_COMPLEX,
        `${what} would bring the request's cost to ${total}, over the limit ${this.limit}; ask for fewer runs, or name the keys.`,
        { cost: total },
      );
    this.spent = total;
  }
}

/** Cost of one item of a list field: the item plus each field selected in it (what the static cost counts too). */
export function itemCost(info: GraphQLResolveInfo): number {
  return 1 + (info.fieldNodes[0]?.selectionSet?.selections.length ?? 0);
}
