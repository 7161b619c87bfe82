export const RUN_FIELDS = /* GraphQL */ `
  fragment RunFields on Run {
    id
    method
    baseModel
    state
    stage
    step
    totalSteps
    cancelRequested
    lastEventSeq
    createdAt
    startedAt
    finishedAt
    queuePosition
    estimatedStartAt
    attempt
    maxAttempts
    attemptErrors {
      attempt
      code
      message
      at
    }
    subject {
      id
      name
      classNoun
    }
    error {
      code
      message
      logTail
    }
    checkpoints {
      id
      stage
      step
      sizeBytes
      sha256
      createdAt
    }
  }
`;

export const RUN = /* GraphQL */ `
  query Run($id: ID!) {
    run(id: $id) {
      ...RunFields
    }
  }
  ${RUN_FIELDS}
`;

export const RUNS = /* GraphQL */ `
  query Runs($first: Int, $after: String, $subjectId: ID, $state: RunState) {
    runs(first: $first, after: $after, subjectId: $subjectId, state: $state) {
      edges {
        node {
          ...RunFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${RUN_FIELDS}
`;

export const START_RUN = /* GraphQL */ `
  mutation StartRun($input: StartRunInput!) {
    startRun(input: $input) {
      ...RunFields
    }
  }
  ${RUN_FIELDS}
`;

export const CANCEL_RUN = /* GraphQL */ `
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      ...RunFields
    }
  }
  ${RUN_FIELDS}
`;

export const CHECKPOINT = /* GraphQL */ `
  query Checkpoint($id: ID!) {
    checkpoint(id: $id) {
      id
      stage
      step
      sizeBytes
      sha256
      downloadUrl
      createdAt
      encoding
      files {
        name
        sizeBytes
        sha256
        url
      }
      run {
        id
        method
        baseModel
        subject {
          id
          name
          classNoun
        }
      }
    }
  }
`;

export const RUN_EVENT_BATCHES = /* GraphQL */ `
  subscription RunEventBatches($runId: ID!, $afterSeq: Int) {
    runEventBatches(runId: $runId, afterSeq: $afterSeq) {
      lastSeq
      events {
        __typename
        ... on RunStateChanged {
          seq
          at
          state
          previousState
          errorCode
          errorMessage
        }
        ... on StageStarted {
          seq
          at
          stage
          totalSteps
        }
        ... on LossLogged {
          seq
          at
          stage
          step
          loss
          learningRate
        }
        ... on SampleSaved {
          seq
          at
          stage
          step
          prompt
          promptIndex
          seed
          url
        }
        ... on CheckpointSaved {
          seq
          at
          stage
          step
          checkpoint {
            id
            stage
            step
          }
        }
        ... on EvaluationUpdated {
          seq
          at
          checkpointId
          protocol
          evaluationState
          clipI
          clipT
          dino
        }
        ... on PhaseChanged {
          seq
          at
          phase
          phaseState
          baseModel
          durationMs
          warmEngine
        }
      }
    }
  }
`;
