export const SHARE_FIELDS = /* GraphQL */ `
  fragment ShareFields on Share {
    id
    kind
    promptOnly
    expiresAt
    createdAt
    revokedAt
    active
    run {
      id
    }
    targetTeam {
      id
      name
    }
  }
`;

export const CREATE_SHARE = /* GraphQL */ `
  mutation CreateShare($input: CreateShareInput!) {
    createShare(input: $input) {
      share {
        ...ShareFields
      }
      token
      url
    }
  }
  ${SHARE_FIELDS}
`;

export const REVOKE_SHARE = /* GraphQL */ `
  mutation RevokeShare($id: ID!) {
    revokeShare(id: $id) {
      ...ShareFields
    }
  }
  ${SHARE_FIELDS}
`;

export const SHARES = /* GraphQL */ `
  query Shares($runId: ID) {
    shares(runId: $runId) {
      ...ShareFields
    }
  }
  ${SHARE_FIELDS}
`;

export const SHARED_WITH_ME = /* GraphQL */ `
  query SharedWithMe {
    sharedWithMe {
      shareId
      promptOnly
      sharedAt
      expiresAt
      team {
        id
        name
      }
      run {
        id
        method
        state
        subject {
          name
          classNoun
        }
      }
    }
  }
`;
