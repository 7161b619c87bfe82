export const MODEL_EXPORT_FIELDS = /* GraphQL */ `
  fragment ModelExportFields on ModelExport {
    id
    format
    half
    state
    archiveUrl
    createdAt
    finishedAt
    files {
      name
      sizeBytes
      sha256
      url
    }
    error {
      code
      message
    }
  }
`;

export const CHECKPOINT_EXPORTS = /* GraphQL */ `
  query CheckpointExports($id: ID!) {
    checkpoint(id: $id) {
      id
      exports {
        ...ModelExportFields
      }
    }
  }
  ${MODEL_EXPORT_FIELDS}
`;

export const EXPORT_CHECKPOINT = /* GraphQL */ `
  mutation ExportCheckpoint($checkpointId: ID!, $format: ExportFormat!, $half: Boolean) {
    exportCheckpoint(checkpointId: $checkpointId, format: $format, half: $half) {
      ...ModelExportFields
    }
  }
  ${MODEL_EXPORT_FIELDS}
`;

export const MODEL_EXPORT_UPDATED = /* GraphQL */ `
  subscription ModelExportUpdated($id: ID!) {
    modelExportUpdated(id: $id) {
      ...ModelExportFields
    }
  }
  ${MODEL_EXPORT_FIELDS}
`;
