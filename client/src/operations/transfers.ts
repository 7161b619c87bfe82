// Model exports and imports (api/schema/transfers.graphql; docs/platform-contract.md "Exports and imports").

export const MODEL_EXPORT_FIELDS = /* GraphQL */ `
  fragment ModelExportFields on ModelExport {
    id
    format
    half
    state
    files {
      name
      sizeBytes
      sha256
      url
    }
    archiveUrl
    error {
      code
      message
    }
    createdAt
    finishedAt
    checkpoint {
      id
      stage
      step
    }
  }
`;

export const EXPORT_CHECKPOINT = /* GraphQL */ `
  mutation ExportCheckpoint($checkpointId: ID!, $format: ExportFormat!, $half: Boolean) {
    exportCheckpoint(checkpointId: $checkpointId, format: $format, half: $half) {
      ...ModelExportFields
    }
  }
  ${MODEL_EXPORT_FIELDS}
`;

export const MODEL_EXPORT = /* GraphQL */ `
  query ModelExport($id: ID!) {
    modelExport(id: $id) {
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

export const MODEL_IMPORT_FIELDS = /* GraphQL */ `
  fragment ModelImportFields on ModelImport {
    id
    state
    name
    classNoun
    baseModel
    token
    error {
      code
      message
    }
    run {
      id
      state
      method
      baseModel
      subject {
        id
        name
        classNoun
      }
    }
    checkpoint {
      id
      stage
      step
      sizeBytes
      sha256
    }
    createdAt
    finishedAt
  }
`;

export const CREATE_MODEL_IMPORT_MULTIPART_UPLOAD = /* GraphQL */ `
  mutation CreateModelImportMultipartUpload($filename: String!, $byteSize: Float!, $role: ImportFileRole!) {
    createModelImportMultipartUpload(filename: $filename, byteSize: $byteSize, role: $role) {
      uploadId
      partBytes
      parts {
        partNumber
        url
      }
      expiresAt
    }
  }
`;

export const COMPLETE_MODEL_IMPORT_UPLOAD = /* GraphQL */ `
  mutation CompleteModelImportUpload($uploadId: ID!) {
    completeModelImportUpload(uploadId: $uploadId)
  }
`;

export const CREATE_MODEL_IMPORT_UPLOAD = /* GraphQL */ `
  mutation CreateModelImportUpload($filename: String!, $byteSize: Float!, $role: ImportFileRole!) {
    createModelImportUpload(filename: $filename, byteSize: $byteSize, role: $role) {
      uploadId
      url
      fields
      expiresAt
    }
  }
`;

export const IMPORT_MODEL = /* GraphQL */ `
  mutation ImportModel($input: ImportModelInput!) {
    importModel(input: $input) {
      ...ModelImportFields
    }
  }
  ${MODEL_IMPORT_FIELDS}
`;

export const MODEL_IMPORT = /* GraphQL */ `
  query ModelImport($id: ID!) {
    modelImport(id: $id) {
      ...ModelImportFields
    }
  }
  ${MODEL_IMPORT_FIELDS}
`;

export const MODEL_IMPORT_UPDATED = /* GraphQL */ `
  subscription ModelImportUpdated($id: ID!) {
    modelImportUpdated(id: $id) {
      ...ModelImportFields
    }
  }
  ${MODEL_IMPORT_FIELDS}
`;
