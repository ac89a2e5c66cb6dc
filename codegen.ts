import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the dashboard and the trainers (typescript-operations 6 emits the enums and inputs it needs itself,
 * so the base `typescript` plugin would only duplicate them): operations live in web/src/graphql/*.graphql and are compiled
 * against the API contract (schema.graphql) into web/src/gql/graphql.ts, which is committed.
 * `npm run codegen:check` fails when the committed output has drifted from the schema or operations.
 */
const shared = {
  plugins: ['typescript-operations', 'typed-document-node'],
} as const;

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'web/src/gql/graphql.ts': {
      ...shared,
      documents: ['web/src/graphql/**/*.graphql'],
      config: {
        // Scalars as they travel over the wire (see schema.graphql).
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          MetricValue: 'number | string',
          NumberColumn: 'Array<number | string | null>',
        },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        skipTypename: true,
      },
    },
    // The trainer's and the agent's operations, checked against the same contract.
    'trainers/src/gql/graphql.ts': {
      ...shared,
      documents: ['trainers/src/graphql/**/*.graphql'],
      config: {
        scalars: { DateTime: 'string', JSON: 'Record<string, unknown>', MetricValue: 'number | string', NumberColumn: 'Array<number | string | null>' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        skipTypename: true,
      },
    },
  },
  hooks: {},
};

export default config;
