import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { ErrorCode } from './errors.js';

/**
 * Depth and cost bounds, checked during validation, before anything executes.
 * Cost: every field costs 1; a list field multiplies the cost of its selection by its `first`
 * argument (the literal, else the argument's default), by the length of a literal `runIds` list, or by 10.
 */
export function limitsRule(maxDepth: number, maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions)
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

    const measure = (
      set: SelectionSetNode,
      parent: GraphQLCompositeType,
      depth: number,
      seen: Set<string>,
    ): { depth: number; cost: number } => {
      let maxD = depth;
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          const fieldDef =
            isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
          if (!fieldDef) continue;
          let mult = 1;
          if (isListType(getNullableType(fieldDef.type))) {
            const firstArg = sel.arguments?.find((a) => a.name.value === 'first');
            const idsArg = sel.arguments?.find((a) => a.name.value === 'runIds');
            const defaultFirst = fieldDef.args.find((a) => a.name === 'first')?.defaultValue;
            if (firstArg?.value.kind === Kind.INT) mult = Number(firstArg.value.value);
            else if (idsArg?.value.kind === Kind.LIST) mult = Math.max(1, idsArg.value.values.length);
            else if (typeof defaultFirst === 'number') mult = defaultFirst;
            else mult = 10;
          }
          const named = getNamedType(fieldDef.type);
          if (sel.selectionSet && (isObjectType(named) || isInterfaceType(named))) {
            const inner = measure(sel.selectionSet, named, depth + 1, seen);
            maxD = Math.max(maxD, inner.depth);
            cost += 1 + mult * inner.cost;
          } else cost += 1;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const inner = measure(sel.selectionSet, parent, depth, seen);
          maxD = Math.max(maxD, inner.depth);
          cost += inner.cost;
        } else {
          const frag = fragments.get(sel.name.value);
          if (!frag || seen.has(frag.name.value)) continue; // cycles are reported by graphql's own rule
          const inner = measure(frag.selectionSet, parent, depth, new Set([...seen, frag.name.value]));
          maxD = Math.max(maxD, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: maxD, cost };
    };

    return {
      OperationDefinition(node) {
        const schema = context.getSchema();
        const root =
          node.operation === 'query'
            ? schema.getQueryType()
            : node.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        if (!root) return;
        const { depth, cost } = measure(node.selectionSet, root, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query is ${depth} levels deep; the limit is ${maxDepth}.`, {
              nodes: [node],
              extensions: { code: ErrorCode.QUERY_TOO_DEEP, limitCode: ErrorCode.QUERY_TOO_DEEP },
            }),
          );
        } else if (cost > maxCost) {
          context.reportError(
            new GraphQLError(
              `Query cost ${cost} exceeds the limit ${maxCost}; ask for smaller pages or fewer nested lists.`,
              {
                nodes: [node],
                extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limitCode: ErrorCode.QUERY_TOO_COMPLEX, cost },
              },
            ),
          );
        }
      },
    };
  };
}
