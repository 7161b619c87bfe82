/* Fragments live in their own template and are appended to each operation that spreads them. */
export const SUBJECT_IMAGE_FIELDS = /* GraphQL */ `
  fragment SubjectImageFields on SubjectImage {
    id
    url
    filename
    contentType
    byteSize
    width
    height
  }
`;

export const SUBJECTS_QUERY = /* GraphQL */ `
  query Subjects($first: Int) {
    subjects(first: $first) {
      edges {
        node {
          ...SubjectSummary
        }
      }
    }
  }

  fragment SubjectSummary on Subject {
    id
    name
    classNoun
    kind
    createdAt
    images {
      id
      url
      filename
    }
  }
`;

export const SUBJECT_QUERY = /* GraphQL */ `
  query Subject($id: ID!) {
    subject(id: $id) {
      id
      name
      classNoun
      kind
      createdAt
      images {
        ...SubjectImageFields
      }
      runs {
        id
        state
        method
        createdAt
      }
    }
  }
  ${SUBJECT_IMAGE_FIELDS}
`;

export const CREATE_SUBJECT = /* GraphQL */ `
  mutation CreateSubject($input: CreateSubjectInput!) {
    createSubject(input: $input) {
      id
      name
    }
  }
`;

export const CREATE_IMAGE_UPLOAD = /* GraphQL */ `
  mutation CreateImageUpload($subjectId: ID!, $filename: String!, $contentType: String!, $byteSize: Int!) {
    createImageUpload(subjectId: $subjectId, filename: $filename, contentType: $contentType, byteSize: $byteSize) {
      uploadId
      url
      fields
    }
  }
`;

export const ADD_SUBJECT_IMAGE = /* GraphQL */ `
  mutation AddSubjectImage($subjectId: ID!, $uploadId: ID!) {
    addSubjectImage(subjectId: $subjectId, uploadId: $uploadId) {
      ...SubjectImageFields
    }
  }
  ${SUBJECT_IMAGE_FIELDS}
`;

export const REMOVE_SUBJECT_IMAGE = /* GraphQL */ `
  mutation RemoveSubjectImage($id: ID!) {
    removeSubjectImage(id: $id)
  }
`;
