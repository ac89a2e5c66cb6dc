import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getVariableValues,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  typeFromAST,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { ASSUMED_LIST_ITEMS } from '../core/cost-meter.ts';
import { ErrorCode } from '../core/errors.ts';

/** Aliased fields allowed in one selection set, and in a whole document. */
export const MAX_ALIASES_PER_SELECTION = 100;
export const MAX_ALIASES_PER_DOCUMENT = 500;
/** Points one request may ask metricSeries for, over all its runs x keys x maxPoints. */
export const MAX_SERIES_POINTS = 1_000_000;
/** Largest response body sent over HTTP; a bigger one is replaced by RESPONSE_TOO_LARGE. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface Measure {
  depth: number;
  cost: number;
  /** metricSeries points the operation may return. */
  points: number;
  /** Lists only the data sizes (Run.metrics without keys): charged while executing (core/cost-meter.ts). */
  dataSized: number;
}

type Vars = Record<string, unknown> | null;

function argValue(node: ValueNode | undefined, vars: Vars): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return vars?.[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.LIST) return node.values;
  return undefined;
}

/** A whole number the argument really has (literal, variable value, else the schema default). */
function intArg(field: FieldNode, def: GraphQLField<unknown, unknown>, name: string, vars: Vars): number | undefined {
  const v = argValue(field.arguments?.find((a) => a.name.value === name)?.value, vars);
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, v);
  const d = def.args.find((a) => a.name === name)?.defaultValue;
  return typeof d === 'number' ? d : undefined;
}

function listLength(field: FieldNode, name: string, vars: Vars): number | undefined {
  const v = argValue(field.arguments?.find((a) => a.name.value === name)?.value, vars);
  return Array.isArray(v) ? v.length : undefined;
}

/**
 * Depth, cost and series points of one operation, in time linear in the document: each fragment is
 * measured once (its numbers do not depend on where it is spread) and reused, so `...F0 ...F0` nested
 * 25 times costs 25 measurements, not 2^25 walks. Cost: every field 1; a list field multiplies its
 * selection's cost by `first` (literal, variable value or default), else the length of `runIds`, else
 * the enclosing page's `first`, else 10.
 * `vars` null means "not known yet" (validation): variables then count as the argument's default.
 */
export function measureOperation(
  schema: GraphQLSchema,
  doc: DocumentNode,
  op: OperationDefinitionNode,
  vars: Vars,
): Measure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, Measure>();
  const visiting = new Set<string>();

  const measureFragment = (name: string): Measure => {
    const known = memo.get(name);
    if (known) return known;
    const frag = fragments.get(name);
    const type = frag && schema.getType(frag.typeCondition.name.value);
    // Unknown fragments and cycles are reported by graphql's own rules; they add nothing here.
    if (!frag || visiting.has(name) || !type || !(isObjectType(type) || isInterfaceType(type)))
      return { depth: 0, cost: 0, points: 0, dataSized: 0 };
    visiting.add(name);
    const m = measureSet(frag.selectionSet, type, 0);
    visiting.delete(name);
    memo.set(name, m);
    return m;
  };

  const measureSet = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    depth: number,
    /** Set inside a page (`runs(first: n) {...}`): the page's lists (nodes, edges) hold n items. */
    pageSize?: number,
  ): Measure => {
    let maxD = depth;
    let cost = 0;
    let points = 0;
    let dataSized = 0;
    const add = (m: Measure, offset: number) => {
      maxD = Math.max(maxD, m.depth + offset);
      cost += m.cost;
      points += m.points;
      dataSized += m.dataSized;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) add(measureFragment(sel.name.value), depth);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (t && (isObjectType(t) || isInterfaceType(t))) add(measureSet(sel.selectionSet, t, depth, pageSize), 0);
      } else {
        if (sel.name.value.startsWith('__')) continue;
        const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
        if (!def) continue;
        // A page (`runs(first: n) { totalCount nodes {...} }`): n multiplies its lists (nodes, edges),
        // not the page's own fields, so an oversized `first` still reaches the resolver's page-size check.
        const isList = isListType(getNullableType(def.type));
        const first = intArg(sel, def, 'first', vars);
        let mult = 1;
        // `metrics(keys: [...])` returns at most one item per key; without keys the items past these 10 are
        // charged while it runs, from the run's real key count (core/cost-meter.ts).
        if (isList)
          mult =
            first ?? listLength(sel, 'runIds', vars) ?? listLength(sel, 'keys', vars) ?? pageSize ?? ASSUMED_LIST_ITEMS;
        if (parent.name === 'Run' && sel.name.value === 'metrics' && listLength(sel, 'keys', vars) === undefined)
          dataSized++;
        if (sel.name.value === 'metricSeries') {
          // What it really returns: up to maxPoints buckets for every run x key.
          const runs = listLength(sel, 'runIds', vars) ?? 1;
          const keys = listLength(sel, 'keys', vars) ?? 1;
          points += runs * keys * (intArg(sel, def, 'maxPoints', vars) ?? 1000);
        }
        const named = getNamedType(def.type);
        if (sel.selectionSet && (isObjectType(named) || isInterfaceType(named))) {
          const inner = measureSet(sel.selectionSet, named, depth + 1, isList ? undefined : first);
          maxD = Math.max(maxD, inner.depth);
          cost += 1 + mult * inner.cost;
          points += inner.points * mult;
          dataSized += inner.dataSized;
        } else cost += 1;
      }
    }
    return { depth: maxD, cost, points, dataSized };
  };

  const root =
    op.operation === 'query'
      ? schema.getQueryType()
      : op.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { depth: 0, cost: 0, points: 0, dataSized: 0 };
  return measureSet(op.selectionSet, root, 1);
}

const limitError = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
  // Apollo relabels validation errors GRAPHQL_VALIDATION_FAILED; formatError restores `limitCode`.
  new GraphQLError(message, { extensions: { code, limitCode: code, ...extra } });

/** The first limit a measured operation breaks, or null. */
export function checkMeasure(m: Measure, maxDepth: number, maxCost: number): GraphQLError | null {
  if (m.depth > maxDepth)
    return limitError(ErrorCode.QUERY_TOO_DEEP, `Query is ${m.depth} levels deep; the limit is ${maxDepth}.`);
  if (m.cost > maxCost)
    return limitError(
      ErrorCode.QUERY_TOO_COMPLEX,
      `Query cost ${m.cost} exceeds the limit ${maxCost}; ask for smaller pages or fewer nested lists.`,
      { cost: m.cost },
    );
  if (m.points > MAX_SERIES_POINTS)
    return limitError(
      ErrorCode.QUERY_TOO_COMPLEX,
      `metricSeries may return ${m.points} points (runs x keys x maxPoints); the limit per request is ${MAX_SERIES_POINTS}.`,
      { points: m.points },
    );
  return null;
}

const aliasLimitError = () =>
  limitError(
    ErrorCode.TOO_MANY_ALIASES,
    `At most ${MAX_ALIASES_PER_SELECTION} aliased fields per selection and ${MAX_ALIASES_PER_DOCUMENT} per document.`,
  );

/** Aliases per selection set and per document; counted on the text, so fragments count once. */
function aliasError(doc: DocumentNode): GraphQLError | null {
  let total = 0;
  const stack: SelectionSetNode[] = [];
  for (const def of doc.definitions)
    if (def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION) stack.push(def.selectionSet);
  while (stack.length) {
    const set = stack.pop()!;
    let here = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD && sel.alias) here++;
      if (sel.kind !== Kind.FRAGMENT_SPREAD && sel.selectionSet) stack.push(sel.selectionSet);
    }
    total += here;
    if (here > MAX_ALIASES_PER_SELECTION || total > MAX_ALIASES_PER_DOCUMENT) return aliasLimitError();
  }
  return null;
}

/**
 * Alias and depth bounds, checked during validation, before anything executes. Cost needs variable
 * values (`first: $n`), which validation does not have: checkWithVariables measures it once they are
 * known (an Apollo plugin hook for HTTP, graphql-ws's onSubscribe for WebSocket).
 */
export function limitsRule(maxDepth: number, _maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const aliases = aliasError(context.getDocument());
    if (aliases) context.reportError(aliases);
    return {
      OperationDefinition(node) {
        if (aliases) return;
        const m = measureOperation(context.getSchema(), context.getDocument(), node, null);
        const err = checkMeasure({ ...m, cost: 0, points: 0 }, maxDepth, Number.POSITIVE_INFINITY);
        if (err) context.reportError(err);
      },
    };
  };
}

/**
 * The variable values execution will see: what was sent, coerced, with each definition's default where a value
 * is missing (`query($n: Int = 100000)` sent without `n` runs with 100000, so it is costed with 100000).
 * Values graphql will refuse anyway (wrong type) are measured as sent; execution never starts for them.
 */
function effectiveVariables(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  inputs: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
  // Only single scalar or enum variables can size a list (`first: $n`, `maxPoints: $m`). Coercing the others here
  // would validate a logMetrics batch's 10,000 points a second time (execution coerces them anyway): it doubled
  // the server's CPU per point for `points` batches (bench:side-by-side ingest, batch-10000: 6.3 -> 12.0 ms).
  const sizing = (op.variableDefinitions ?? []).filter((d) => {
    const t = typeFromAST(schema, d.type as Parameters<typeof typeFromAST>[1]);
    return t !== undefined && !isListType(getNullableType(t)) && isLeafType(getNamedType(t));
  });
  const { coerced } = getVariableValues(schema, sizing, inputs ?? {}, { maxErrors: 1 });
  return coerced ? { ...(inputs ?? {}), ...coerced } : (inputs ?? {});
}

/** Depth, cost and points of the operation that will run, with the variables it will run with. */
export function measureWithVariables(
  schema: GraphQLSchema,
  doc: DocumentNode,
  op: OperationDefinitionNode,
  vars: Record<string, unknown> | null | undefined,
): Measure {
  return measureOperation(schema, doc, op, effectiveVariables(schema, op, vars));
}

/** The same bounds once variable values are known (an Apollo plugin hook and graphql-ws's onSubscribe). */
export function checkWithVariables(
  schema: GraphQLSchema,
  doc: DocumentNode,
  operationName: string | null | undefined,
  vars: Record<string, unknown> | null | undefined,
  maxDepth: number,
  maxCost: number,
): GraphQLError | null {
  const op = doc.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!op) return null;
  return checkMeasure(measureWithVariables(schema, doc, op, vars), maxDepth, maxCost);
}
/** Brackets deeper than this in a document's text are refused before graphql's recursive parser runs. */
export const MAX_TEXT_NESTING = 128;
/**
 * Tokens one document may hold. The largest document our clients send (the dashboard's experiment page) has 141;
 * 500 aliases of a small selection need ~6,000. Past this, graphql's lexer stops (parse option `maxTokens`), so a
 * 1 MB document of `__typename`s (which no cost counts) is refused after lexing 10,000 tokens, not parsed whole.
 */
export const MAX_DOCUMENT_TOKENS = 10_000;

/** What one linear pass over a document's text finds, before anything is parsed. */
export interface TextScan {
  /** How deeply `{`, `[` and `(` nest. */
  nesting: number;
  /** Aliases: a `:` outside every `(...)` (arguments, variable definitions and directives hold the others). */
  aliases: number;
}

/** Skips a string, block string or comment starting at `i`; returns the index of its last character. */
function skipLiteral(doc: string, i: number): number {
  if (doc[i] === '#') {
    while (i < doc.length && doc[i] !== '\n') i++;
    return i;
  }
  const end = doc.startsWith('"""', i) ? '"""' : '"';
  for (i += end.length; i < doc.length && !doc.startsWith(end, i); i++) if (doc[i] === '\\') i++;
  return i + end.length - 1;
}

/**
 * One scan of the text, skipping strings, block strings and comments. graphql-js parses recursively (a few
 * thousand levels of a JSON literal overflow the stack) and builds a node per token (5,000 aliases: ~25,000 nodes
 * before any rule could count them): both are refused from this scan, in microseconds per KB.
 */
export function scanText(doc: string): TextScan {
  let depth = 0;
  let nesting = 0;
  let parens = 0;
  let aliases = 0;
  for (let i = 0; i < doc.length; i++) {
    const ch = doc[i];
    if (ch === '#' || ch === '"') i = skipLiteral(doc, i);
    else if (ch === '{' || ch === '[' || ch === '(') {
      if (++depth > nesting) nesting = depth;
      if (ch === '(') parens++;
    } else if (ch === '}' || ch === ']' || ch === ')') {
      depth--;
      if (ch === ')') parens--;
    } else if (ch === ':' && parens <= 0) aliases++;
  }
  return { nesting, aliases };
}

/** How deeply brackets nest in a document's text (see scanText). */
export function textNestingDepth(doc: string): number {
  return scanText(doc).nesting;
}

/** The bounds the text alone can break: bracket nesting and the document's alias count. */
export function textNestingError(doc: unknown): GraphQLError | null {
  if (typeof doc !== 'string') return null;
  const scan = scanText(doc);
  if (scan.nesting > MAX_TEXT_NESTING)
    return new GraphQLError(`The document nests brackets more than ${MAX_TEXT_NESTING} levels deep.`, {
      extensions: { code: ErrorCode.QUERY_TOO_DEEP },
    });
  // The same bound aliasError applies to the parsed document (fragments count once there too), found without parsing.
  if (scan.aliases > MAX_ALIASES_PER_DOCUMENT) return aliasLimitError();
  return null;
}

/** What a document over MAX_DOCUMENT_TOKENS is answered (graphql's lexer stopped at the limit). */
function tokenLimitError(): GraphQLError {
  return new GraphQLError(
    `The document has more than ${MAX_DOCUMENT_TOKENS} tokens; send a smaller document (use variables for data).`,
    { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, maxTokens: MAX_DOCUMENT_TOKENS } },
  );
}

/**
 * Every bound, checked on the request text before Apollo or graphql-ws validate it: graphql's own rules
 * are not linear (OverlappingFieldsCanBeMerged compares 5,000 aliases pairwise), so a hostile document
 * must be refused before they run. Unparseable text returns null and is reported by the normal path.
 */
export function preflight(
  schema: GraphQLSchema,
  query: unknown,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  maxDepth: number,
  maxCost: number,
): GraphQLError | null {
  if (typeof query !== 'string') return null;
  const doc = parsedOnce(query);
  if (doc instanceof GraphQLError) return doc;
  if (doc === null) return null;
  return aliasError(doc) ?? checkWithVariables(schema, doc, operationName, variables, maxDepth, maxCost);
}

/**
 * Trainers and dashboards send the same few documents over and over: the text checks and the parse are done once
 * per distinct document (a bounded cache, oldest dropped first), so the limits cost ~nothing on the hot path.
 * A document that does not parse is left to Apollo, which reports it.
 */
const PARSED = new Map<string, DocumentNode | GraphQLError | null>();
const PARSED_MAX = 500;
const CACHEABLE_CHARS = 64 * 1024;

function parsedOnce(query: string): DocumentNode | GraphQLError | null {
  const hit = PARSED.get(query);
  if (hit !== undefined) return hit;
  let result: DocumentNode | GraphQLError | null = textNestingError(query);
  if (!result) {
    try {
      result = parse(query, { noLocation: true, maxTokens: MAX_DOCUMENT_TOKENS });
    } catch (e) {
      // graphql reports the token limit as a syntax error; every other syntax error is left to Apollo.
      result = /tokens\. Parsing aborted/.test((e as Error).message) ? tokenLimitError() : null;
    }
  }
  if (query.length <= CACHEABLE_CHARS) {
    if (PARSED.size >= PARSED_MAX) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(query, result);
  }
  return result;
}
