import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the dashboard (typescript-operations 6 emits the enums and inputs it needs itself,
 * so the base `typescript` plugin would only duplicate them): operations live in web/src/graphql/*.graphql and are compiled
 * against the API contract (schema.graphql) into web/src/gql/graphql.ts, which is committed.
 * `npm run codegen:check` fails when the committed output has drifted from the schema or operations.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['web/src/graphql/**/*.graphql'],
  generates: {
    'web/src/gql/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
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
  },
  hooks: {},
};

export default config;
