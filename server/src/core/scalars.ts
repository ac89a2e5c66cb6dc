import { decodeMetricValue as decodeWire, encodeMetricValue } from '@runboard/contract/metric-value';
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badInput } from './errors.ts';
import { jsonProblem, MAX_JSON_DEPTH } from './validate.ts';

/** MetricValue input: the contract's decoding, with a clear error for anything else. */
export function decodeMetricValue(v: unknown): number {
  const n = decodeWire(v);
  if (n === undefined) {
    throw badInput('value', `expected a number or "NaN", "Infinity", "-Infinity", got ${JSON.stringify(v)}`);
  }
  return n;
}

function literal(ast: ValueNode, depth = 1): unknown {
  if (depth > MAX_JSON_DEPTH) throw badInput('JSON', `must not be nested more than ${MAX_JSON_DEPTH} levels deep`);
  switch (ast.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literal(v, depth + 1));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, depth + 1)]));
    default:
      throw badInput('literal', 'variables are not allowed inside JSON literals');
  }
}

export const MetricValueScalar = new GraphQLScalarType<number, number | string>({
  name: 'MetricValue',
  description:
    'A metric value: a JSON number when finite, otherwise one of the strings "NaN", "Infinity", "-Infinity" ' +
    '(GraphQL Float cannot represent them). Accepted the same way as input.',
  serialize: (v) => encodeMetricValue(Number(v)),
  parseValue: decodeMetricValue,
  parseLiteral: (ast) => decodeMetricValue(literal(ast)),
});

export const NumberColumnScalar = new GraphQLScalarType<never, (number | string | null)[]>({
  name: 'NumberColumn',
  description:
    'A whole column of numbers as one JSON array, encoded like MetricValue (non-finite values as strings, ' +
    'null where absent). Used for long series: one scalar is far cheaper to serialise than one object per point.',
  serialize: (v) => v as (number | string | null)[],
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string with milliseconds, always UTC (e.g. "2026-11-28T08:00:00.000Z").',
  serialize: (v) => (v instanceof Date ? v : new Date(v as string | number)).toISOString(),
  parseValue: (v) => {
    const d = new Date(v as string | number);
    if (typeof v !== 'string' && typeof v !== 'number') throw badInput('DateTime', 'expected an ISO-8601 string');
    if (Number.isNaN(d.getTime())) throw badInput('DateTime', `invalid date ${JSON.stringify(v)}`);
    return d;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime', 'expected an ISO-8601 string');
    const d = new Date(ast.value);
    if (Number.isNaN(d.getTime())) throw badInput('DateTime', `invalid date ${JSON.stringify(ast.value)}`);
    return d;
  },
});

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value (objects for config and system info).',
  serialize: (v) => v,
  parseValue: checkedJson,
  parseLiteral: (ast) => checkedJson(literal(ast)),
});

/** jsonb cannot store NUL or lone surrogates, and hostile depth must not reach recursive code: refuse early. */
function checkedJson(v: unknown): unknown {
  const problem = jsonProblem(v);
  if (problem) throw badInput('JSON', problem);
  return v;
}

export const scalarTypeDefs = /* GraphQL */ `
  scalar MetricValue
  scalar NumberColumn
  scalar DateTime
  scalar JSON
`;

export const scalarResolvers = {
  MetricValue: MetricValueScalar,
  NumberColumn: NumberColumnScalar,
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
};
