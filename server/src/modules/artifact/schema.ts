export const artifactTypeDefs = /* GraphQL */ `
  """
  A file or model produced by a run. Files uploaded with \`PUT /artifacts/<runId>/<name>\` are stored on
  the server's disk (uri \`runboard-artifact:<id>\`, downloadable at \`/artifacts/<id>\`); files kept
  elsewhere (s3://, file://) are recorded with registerArtifact.
  """
  type Artifact {
    "Stable identifier (UUID)."
    id: ID!
    "The run that produced it."
    runId: ID!
    "Name, unique within the run (e.g. \`model/model.json\`)."
    name: String!
    "What it is: model, checkpoint, dataset, image, file, ..."
    kind: String!
    "Where it lives."
    uri: String!
    "Download path on this server for stored files; null for external URIs."
    downloadPath: String
    "Size in bytes."
    size: Float!
    "SHA-256 of the content, hex."
    sha256: String!
    "Free-form JSON metadata."
    metadata: JSON!
    "When it was recorded."
    createdAt: DateTime!
  }

  "An artifact stored outside this server."
  input RegisterArtifactInput {
    "The run."
    runId: ID!
    "Name, unique within the run."
    name: String!
    "What it is (default \`file\`)."
    kind: String = "file"
    "Where it lives."
    uri: String!
    "Size in bytes."
    size: Float!
    "SHA-256 of the content, 64 hex characters."
    sha256: String!
    "Free-form JSON metadata."
    metadata: JSON
  }

  extend type Mutation {
    "Records an artifact stored elsewhere. Re-registering a name replaces the record."
    registerArtifact(input: RegisterArtifactInput!): Artifact!
    "Deletes an artifact record (and its stored file). Returns the id."
    deleteArtifact(id: ID!): ID!
  }
`;
