export const SUBJECT_FIELDS = /* GraphQL */ `
  fragment SubjectFields on Subject {
    id
    name
    classNoun
    kind
    createdAt
    images {
      id
      filename
      width
      height
    }
  }
`;

export const SUBJECTS = /* GraphQL */ `
  query Subjects($first: Int, $after: String) {
    subjects(first: $first, after: $after) {
      edges {
        node {
          ...SubjectFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${SUBJECT_FIELDS}
`;

export const SUBJECT = /* GraphQL */ `
  query Subject($id: ID!) {
    subject(id: $id) {
      ...SubjectFields
    }
  }
  ${SUBJECT_FIELDS}
`;

export const CREATE_SUBJECT = /* GraphQL */ `
  mutation CreateSubject($input: CreateSubjectInput!) {
    createSubject(input: $input) {
      ...SubjectFields
    }
  }
  ${SUBJECT_FIELDS}
`;

export const CREATE_IMAGE_UPLOAD = /* GraphQL */ `
  mutation CreateImageUpload($subjectId: ID!, $filename: String!, $contentType: String!, $byteSize: Int!) {
    createImageUpload(subjectId: $subjectId, filename: $filename, contentType: $contentType, byteSize: $byteSize) {
      uploadId
      url
      fields
      expiresAt
    }
  }
`;

export const ADD_SUBJECT_IMAGE = /* GraphQL */ `
  mutation AddSubjectImage($subjectId: ID!, $uploadId: ID!) {
    addSubjectImage(subjectId: $subjectId, uploadId: $uploadId) {
      id
      filename
      contentType
      byteSize
      sha256
      width
      height
    }
  }
`;
