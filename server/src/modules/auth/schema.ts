import type { AccessTable } from './scopes.ts';

export const authTypeDefs = /* GraphQL */ `
  """
  What an API key may do. ADMIN includes every other scope; AGENT includes LOG (an agent's trainers use its key).
  """
  enum ApiKeyScope {
    "Read experiments, runs, metrics, logs, agents and the queue; subscribe to live updates."
    READ
    "What a trainer does: create, start, update and finish runs, log metrics, heartbeats, artifacts."
    LOG
    "Launch and cancel runs and sweeps."
    LAUNCH
    "The agent protocol: register, claim, renew leases, report exits, append run logs."
    AGENT
    "Everything, including API keys and deletes."
    ADMIN
  }

  "An API key. The key itself is shown once, by createApiKey; the server keeps only its sha256."
  type ApiKey {
    id: ID!
    "A label for people, e.g. \\"ci\\" or \\"gpu-box-3 agent\\"."
    name: String!
    "The key's first characters (rb_<prefix>_...), to tell keys apart without revealing them."
    prefix: String!
    scopes: [ApiKeyScope!]!
    "Experiment ids or names the key is limited to; null: every experiment."
    experiments: [String!]
    createdAt: DateTime!
    "When the key was last used (recorded at most about once a minute), or null when never."
    lastUsedAt: DateTime
    "When the key was revoked, or null while it works."
    revokedAt: DateTime
  }

  input CreateApiKeyInput {
    name: String!
    "At least one scope."
    scopes: [ApiKeyScope!]!
    "Limit the key to these experiments (ids or names; a name also covers an experiment created later with it)."
    experiments: [String!]
  }

  "A new key. \`key\` is shown only here: store it now, it cannot be read again."
  type CreatedApiKey {
    key: String!
    apiKey: ApiKey!
  }

  "Who the caller is, as far as the server can tell. Answered with no key at all, so clients can find out whether they must sign in."
  type Viewer {
    "True when the server requires an API key."
    authRequired: Boolean!
    "False when a key is required and none was given."
    authenticated: Boolean!
    "The name of the caller's key, or null without one."
    keyName: String
    "What the caller may do (implied scopes included). Every scope when the server requires no key."
    scopes: [ApiKeyScope!]!
    "Experiments the key is limited to, or null for all."
    experiments: [String!]
  }

  extend type Query {
    "The caller's identity and scopes. Needs no key."
    viewer: Viewer!
    "Every API key (without the keys themselves); revoked ones too with includeRevoked."
    apiKeys(includeRevoked: Boolean = false): [ApiKey!]!
  }

  extend type Mutation {
    "Creates an API key and returns it once. Creating the first key turns authentication on."
    createApiKey(input: CreateApiKeyInput!): CreatedApiKey!
    "Revokes a key at once (by id). Returns the key's record."
    revokeApiKey(id: ID!): ApiKey!
  }
`;

/** Key management changes who may do what: only ADMIN keys not limited to experiments. */
export const authAccess: AccessTable = {
  Query: {
    viewer: { requires: 'PUBLIC', experiments: 'none' },
    apiKeys: { requires: 'ADMIN', experiments: 'unlimited' },
  },
  Mutation: {
    createApiKey: { requires: 'ADMIN', experiments: 'unlimited' },
    revokeApiKey: { requires: 'ADMIN', experiments: 'unlimited' },
  },
};
