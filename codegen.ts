import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the dashboard and the trainers (typescript-operations 6 emits the enums and inputs it needs itself,
 * so the base `typescript` plugin would only duplicate them): operations live in web/src/graphql/*.graphql and are compiled
 * against the API contract (contract/schema.graphql) into web/src/gql/graphql.ts, which is committed.
 * `npm run codegen:check` fails when the committed output has drifted from the schema or operations.
 */
/** One generated file per client; they differ only in where the operations live and how JSON is typed. */
function target(documents: string, jsonType: string) {
  return {
    plugins: ['typescript-operations', 'typed-document-node'],
    documents: [documents],
    config: {
      // Scalars as they travel over the wire (see schema.graphql).
      scalars: {
        DateTime: 'string',
        JSON: jsonType,
        MetricValue: 'number | string',
        NumberColumn: 'Array<number | string | null>',
      },
      enumsAsTypes: true,
      useTypeImports: true,
      avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      skipTypename: true,
    },
  };
}

/**
 * The server's resolver types: every resolver's parent, arguments and result are checked against the
 * contract. Object types map to the rows the services return (mappers), so a resolver only has to supply
 * the fields a row lacks.
 */
const serverResolvers = {
  plugins: ['typescript', 'typescript-resolvers'],
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    useIndexSignature: false,
    contextType: './context.ts#Context',
    // Rows are imported as <Name>Model, so they never clash with the schema's own type names.
    mapperTypeSuffix: 'Model',
    scalars: {
      DateTime: { input: 'Date', output: 'Date | string' },
      JSON: 'unknown',
      MetricValue: { input: 'number', output: 'number | string' },
      NumberColumn: 'Array<number | string | null>',
    },
    mappers: {
      Run: './run/store.ts#RunRow',
      RunLaunch: './run/store.ts#RunRow',
      Experiment: '../generated/prisma/client.ts#Experiment',
      Artifact: '../generated/prisma/client.ts#Artifact',
      Agent: './launch/store.ts#AgentRow',
      Sweep: './sweep/store.ts#SweepRow',
      MetricSummary: './metric/store.ts#LatestRow',
      MetricSeries: './metric/series.ts#Series',
      RunComparison: './metric/compare.ts#Comparison',
      RunConnection: './run/list.ts#RunPage',
      ApiKey: './auth/store.ts#ApiKeyRow',
      RunEvent: './run/live.ts#RunEvent',
      MetricsEvent: './metric/live.ts#MetricsEvent',
    },
  },
};

const config: CodegenConfig = {
  schema: 'contract/schema.graphql',
  generates: {
    'server/src/modules/resolvers-types.generated.ts': serverResolvers,
    'web/src/gql/graphql.ts': target('web/src/graphql/**/*.graphql', 'unknown'),
    // The trainer's and the agent's operations, checked against the same contract.
    'trainers/src/gql/graphql.ts': target('trainers/src/graphql/**/*.graphql', 'Record<string, unknown>'),
  },
};

export default config;
