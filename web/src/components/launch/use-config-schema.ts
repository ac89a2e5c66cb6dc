'use client';

import { useMemo } from 'react';
import { useQuery } from 'urql';
import { TrainerConfigSchemaDocument } from '@/gql/graphql';
import { defaultConfig, type JsonSchema, type SchemaField, schemaFields } from '@/lib/config-schema';
import { type ApiProblem, describeError } from '@/lib/errors';

export interface ConfigSchema {
  fields: SchemaField[];
  /** The default config as pretty JSON, or null while the schema loads. */
  defaultText: string | null;
  problem: ApiProblem | null;
  retry: () => void;
}

/** Query.trainerConfigSchema, read once per page: it only changes when the server is redeployed. */
export function useConfigSchema(): ConfigSchema {
  const [{ data, error }, refetch] = useQuery({ query: TrainerConfigSchemaDocument, requestPolicy: 'cache-first' });
  return useMemo(() => {
    const schema = (data?.trainerConfigSchema ?? null) as JsonSchema | null;
    return {
      fields: schema ? schemaFields(schema) : [],
      defaultText: schema ? JSON.stringify(defaultConfig(schema), null, 2) : null,
      problem: describeError(error),
      retry: () => refetch({ requestPolicy: 'network-only' }),
    };
  }, [data, error, refetch]);
}
