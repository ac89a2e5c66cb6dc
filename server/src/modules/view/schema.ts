export const viewTypeDefs = /* GraphQL */ `
  """
  A named state of an experiment's dashboard page (filter, sort, columns, grouping, chart settings),
  saved so it can be reopened and shared. Names are unique per experiment.
  """
  type SavedView {
    "Stable identifier (UUID); the page URL \`/experiments/<experimentId>?view=<id>\` opens it."
    id: ID!
    "The experiment whose page this view belongs to."
    experimentId: ID!
    "Name, unique within the experiment."
    name: String!
    """
    The page state as a JSON object of URL parameters, e.g.
    \`{"where": "config.lr < 0.01", "sort": "metrics.val_acc:DESC", "cols": "config.lr,m:val_acc", "group": "config.lr"}\`.
    The server stores it as given; the dashboard decides what the keys mean.
    """
    state: JSON!
    "When the view was first saved."
    createdAt: DateTime!
    "When it was last saved."
    updatedAt: DateTime!
  }

  "A view to save."
  input SaveViewInput {
    "The experiment the view belongs to."
    experimentId: ID!
    "Name, 1..200 characters; saving under an existing name replaces that view's state."
    name: String!
    "The page state (a JSON object, at most the JSON size limit of run configs)."
    state: JSON!
  }

  extend type Query {
    "The saved views of an experiment, by name. NOT_FOUND when the experiment does not exist."
    savedViews(experimentId: ID!): [SavedView!]!
    "One saved view, or null when it does not exist."
    savedView(id: ID!): SavedView
  }

  extend type Mutation {
    "Saves a view; a view of the same name in the same experiment is replaced (same id)."
    saveView(input: SaveViewInput!): SavedView!
    "Deletes a saved view. Returns the id; NOT_FOUND when it does not exist."
    deleteView(id: ID!): ID!
  }
`;
