import type { ApolloServerPlugin } from '@apollo/server';
import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { ErrorCode, userError } from '../core/errors.ts';
import type { AccessTable, FieldAccess, Principal } from '../modules/auth/scopes.ts';
import type { Context } from './context.ts';

export const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;

export function unauthenticated(message = 'This needs an API key: send Authorization: Bearer <key>.') {
  return userError(ErrorCode.UNAUTHENTICATED, message);
}

function forbiddenScope(field: string, scope: string) {
  return userError(ErrorCode.FORBIDDEN, `${field} needs an API key with the ${scope} scope.`, { field, scope });
}

/** Merges the modules' access tables; a field declared twice is a mistake worth failing on at boot. */
export function mergeAccess(tables: AccessTable[]): AccessTable {
  const merged: AccessTable = {};
  for (const t of tables) {
    for (const type of ROOT_TYPES) {
      for (const [field, rule] of Object.entries(t[type] ?? {})) {
        merged[type] ??= {};
        if (merged[type]![field]) throw new Error(`access rule for ${type}.${field} declared twice`);
        merged[type]![field] = rule;
      }
    }
  }
  return merged;
}

/** Root fields of the schema that have no access rule (the test keeps this empty). */
export function undeclaredFields(schema: GraphQLSchema, table: AccessTable): string[] {
  const missing: string[] = [];
  for (const type of ROOT_TYPES) {
    const fields = schema.getType(type) ? Object.keys((schema.getType(type) as any).getFields()) : [];
    for (const f of fields) if (!table[type]?.[f]) missing.push(`${type}.${f}`);
  }
  return missing;
}

/**
 * The one place where scopes are enforced, whatever the transport (HTTP, WebSocket): every root field's resolver
 * (and, for subscriptions, its subscribe function, so the check happens once when the subscription starts) first
 * checks the caller's scope and experiment limits. A field without a declared rule is refused.
 */
export function enforceAccess(schema: GraphQLSchema, table: AccessTable): GraphQLSchema {
  for (const type of ROOT_TYPES) {
    const root = schema.getType(type) as { getFields(): Record<string, any> } | undefined;
    if (!root) continue;
    for (const [name, field] of Object.entries(root.getFields())) {
      const rule = table[type]?.[name];
      const label = `${type}.${name}`;
      if (type === 'Subscription') {
        const subscribe: GraphQLFieldResolver<unknown, Context> = field.subscribe ?? defaultFieldResolver;
        field.subscribe = guarded(label, rule, subscribe, false);
      } else {
        const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
        field.resolve = guarded(label, rule, resolve, rule?.experiments === 'filter');
      }
    }
  }
  return schema;
}

function guarded(
  label: string,
  rule: FieldAccess | undefined,
  inner: GraphQLFieldResolver<unknown, Context>,
  filterResult: boolean,
): GraphQLFieldResolver<unknown, Context> {
  return (source, args, ctx, info) => {
    const pending = check(label, rule, args, ctx);
    const run = () => {
      const result = inner(source, args, ctx, info);
      if (!filterResult || !ctx.auth.experiments) return result;
      return Promise.resolve(result as Promise<{ id: string; name: string }[]>).then((list) =>
        list.filter((e) => ctx.services.auth.allows(ctx.auth, e)),
      );
    };
    return pending ? pending.then(run) : run();
  };
}

/** Throws UNAUTHENTICATED / FORBIDDEN, or returns a promise when experiment limits need a database look-up. */
function check(
  label: string,
  rule: FieldAccess | undefined,
  args: Record<string, unknown>,
  ctx: Context,
): Promise<void> | undefined {
  const p = ctx.auth;
  if (!rule) throw userError(ErrorCode.FORBIDDEN, `${label} has no declared access rule; refused.`, { field: label });
  if (rule.requires === 'PUBLIC') return undefined;
  if (p.authRequired && p.scopes.size === 0) throw unauthenticated();
  if (!p.scopes.has(rule.requires)) throw forbiddenScope(label, rule.requires);
  if (!p.experiments || rule.experiments === 'none' || rule.experiments === 'filter') return undefined;
  if (rule.experiments === 'unlimited') {
    throw userError(ErrorCode.FORBIDDEN, `${label} is not available to API keys limited to some experiments.`, {
      field: label,
    });
  }
  return ctx.services.auth.assertExperiments(p, label, rule.experiments(args));
}

function selectsIntrospection(op: OperationDefinitionNode): boolean {
  return op.selectionSet.selections.some(
    (s) => s.kind === Kind.FIELD && (s.name.value === '__schema' || s.name.value === '__type'),
  );
}

/**
 * Apollo plugin: without a key (when one is required) introspection is refused too, and any UNAUTHENTICATED error
 * makes the HTTP status 401, so clients and proxies see it without reading the body.
 */
export function accessPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const p: Principal = contextValue.auth;
          if (p.authRequired && p.scopes.size === 0 && operation && selectsIntrospection(operation)) {
            throw unauthenticated();
          }
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (errors?.some((e) => e.extensions?.code === ErrorCode.UNAUTHENTICATED)) response.http.status = 401;
        },
      };
    },
  };
}
