'use client';

import { useMemo } from 'react';
import { TrainerConfigSchemaDocument } from '@/gql/graphql';
import { defaultConfig, type JsonSchema, type SchemaField, schemaFields, withoutDefaults } from '@/lib/config-schema';
import { useQuery } from '@/lib/data';
import { type ApiProblem, describeError } from '@/lib/errors';
import { PRESETS } from '@/lib/presets';

export interface ConfigSchema {
  fields: SchemaField[];
  /** The default config (the first preset) as pretty JSON, or null while the schema loads. */
  defaultText: string | null;
  /** Each preset's full config as pretty JSON, by preset id (empty while the schema loads). */
  presetText: Record<string, string>;
  /** The config to send: the keys the user set, without those still at the schema's default. */
  given: (config: Record<string, unknown>) => Record<string, unknown>;
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
      defaultText: schema ? JSON.stringify(defaultConfig(schema, PRESETS[0]!.config), null, 2) : null,
      presetText: schema
        ? Object.fromEntries(PRESETS.map((p) => [p.id, JSON.stringify(defaultConfig(schema, p.config), null, 2)]))
        : {},
      given: (config) => (schema ? withoutDefaults(config, schema) : config),
      problem: describeError(error),
      retry: () => refetch({ requestPolicy: 'network-only' }),
    };
  }, [data, error, refetch]);
}
