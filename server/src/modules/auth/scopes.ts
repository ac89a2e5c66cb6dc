/** What an API key may do (the ApiKeyScope enum in the database and in GraphQL). */
export const SCOPES = ['READ', 'LOG', 'LAUNCH', 'AGENT', 'ADMIN'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes a scope brings along. ADMIN can do everything; AGENT includes LOG because an agent hands its own key
 * to the trainers it starts, and they create, start and finish runs and log metrics with it.
 */
const IMPLIES: Record<Scope, readonly Scope[]> = {
  READ: [],
  LOG: [],
  LAUNCH: [],
  AGENT: ['LOG'],
  ADMIN: ['READ', 'LOG', 'LAUNCH', 'AGENT'],
};

export function expandScopes(scopes: readonly Scope[]): Set<Scope> {
  const all = new Set<Scope>();
  for (const s of scopes) {
    all.add(s);
    for (const i of IMPLIES[s]) all.add(i);
  }
  return all;
}

/** Who is calling, resolved once per request or WebSocket connection. */
export interface Principal {
  /** false: the server runs without keys (loopback only) and everyone may do everything. */
  authRequired: boolean;
  /** null when no (valid) key was given. */
  keyId: string | null;
  keyName: string | null;
  /** The scopes with their implications expanded. Empty without a key. */
  scopes: ReadonlySet<Scope>;
  /** Experiment ids or names the key is limited to; null: every experiment. */
  experiments: readonly string[] | null;
}

export const OPEN_PRINCIPAL: Principal = {
  authRequired: false,
  keyId: null,
  keyName: null,
  scopes: new Set(SCOPES),
  experiments: null,
};

export const ANONYMOUS_PRINCIPAL: Principal = {
  authRequired: true,
  keyId: null,
  keyName: null,
  scopes: new Set(),
  experiments: null,
};

/** Something a field touches that belongs to an experiment; resolved to the experiment before the field runs. */
export type Target =
  | { experimentId: string }
  | { experimentName: string }
  | { runId: string }
  | { sweepId: string }
  | { artifactId: string };

/**
 * Access rule of one root field (Query, Mutation or Subscription), declared in the module next to its SDL and
 * enforced for every transport in server/src/api/access.ts.
 * - requires: the scope a key needs; 'PUBLIC' fields answer without a key (only `viewer`).
 * - experiments: how a key limited to some experiments is checked:
 *   'none'      the field touches no experiment data;
 *   'unlimited' only keys not limited to experiments may use it (cross-experiment or key management fields);
 *   'filter'    the field returns a list of experiments, which is filtered to the allowed ones (a subscription
 *               over every experiment filters its events itself, with the caller's Principal: experimentsChanged);
 *   a function  returns what the arguments point at; every target must be an allowed experiment, and an empty
 *               list is refused (a limited key must say which experiment it means).
 */
export interface FieldAccess {
  requires: Scope | 'PUBLIC';
  experiments: 'none' | 'unlimited' | 'filter' | ((args: Record<string, any>) => Target[]);
}

export type AccessTable = Partial<Record<'Query' | 'Mutation' | 'Subscription', Record<string, FieldAccess>>>;

/** Helpers for the tables: targets from optional arguments, skipping the ones not given. */
export const targets = {
  runs: (ids: readonly string[] | null | undefined): Target[] => (ids ?? []).map((runId) => ({ runId })),
  experiment: (id?: string | null, name?: string | null): Target[] => [
    ...(id != null ? [{ experimentId: id }] : []),
    ...(name != null ? [{ experimentName: name }] : []),
  ],
};
