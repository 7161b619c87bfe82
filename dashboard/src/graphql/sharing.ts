export const SHARE_FIELDS = /* GraphQL */ `
  fragment ShareFields on Share {
    id
    kind
    promptOnly
    expiresAt
    createdAt
    revokedAt
    active
    targetTeam {
      id
      name
    }
    createdBy {
      id
      name
    }
    revokedBy {
      id
      name
    }
  }
`;

export const SHARES_QUERY = /* GraphQL */ `
  query Shares($runId: ID) {
    shares(runId: $runId) {
      ...ShareFields
    }
  }
  ${SHARE_FIELDS}
`;

export const CREATE_SHARE = /* GraphQL */ `
  mutation CreateShare($input: CreateShareInput!) {
    createShare(input: $input) {
      token
      url
      share {
        ...ShareFields
      }
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
        baseModel
        state
        createdAt
        subject {
          id
          name
          classNoun
        }
      }
    }
  }
`;

/** Asked with `Authorization: Bearer shl_…` only. */
export const SHARED_LINK = /* GraphQL */ `
  query SharedLink {
    sharedLink {
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
        defaultPrompt
        baseModel
        state
        createdAt
        settings {
          stage1 {
            steps
          }
          samples {
            prompts
          }
        }
        subject {
          id
          name
          classNoun
        }
        samples {
          id
          stage
          step
          prompt
          promptIndex
          url
        }
        checkpoints {
          id
          stage
          step
          createdAt
        }
      }
    }
  }
`;

export const MODEL_CARD_QUERY = /* GraphQL */ `
  query ModelCard($id: ID!) {
    checkpoint(id: $id) {
      id
      modelCard {
        baseModel
        baseModelRevision
        method
        token
        classNoun
        instancePrompt
        stage
        step
        stageSettings
        subjectImages {
          sha256
          thumbnailUrl
        }
        evaluations {
          protocol
          clipI
          clipT
          dino
          evaluationId
          evaluatedAt
        }
        team {
          id
          name
        }
        trainedBy {
          id
          name
        }
        trainedAt
        checkpointSha256
        markdown
      }
    }
  }
`;
