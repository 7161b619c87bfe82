export const SAMPLE_FIELDS = /* GraphQL */ `
  fragment SampleFields on Sample {
    id
    stage
    step
    prompt
    promptIndex
    url
  }
`;

export const CHECKPOINT_FIELDS = /* GraphQL */ `
  fragment CheckpointFields on Checkpoint {
    id
    stage
    step
    sizeBytes
    downloadUrl
    createdAt
  }
`;

export const RUNS_QUERY = /* GraphQL */ `
  query Runs($first: Int, $subjectId: ID, $state: RunState) {
    runs(first: $first, subjectId: $subjectId, state: $state) {
      edges {
        node {
          id
          method
          baseModel
          state
          stage
          step
          totalSteps
          createdAt
          subject {
            id
            name
          }
        }
      }
    }
  }
`;

export const RUN_QUERY = /* GraphQL */ `
  query Run($id: ID!) {
    run(id: $id) {
      lastEventSeq
      id
      method
      baseModel
      settings {
        preset
        maxGradNorm
        seed
        resolution
        stage1 {
          steps
          learningRate
          checkpointEvery
        }
        stage2 {
          steps
          learningRate
          checkpointEvery
        }
        samples {
          prompts
          seeds
          every
          steps
          guidanceScale
        }
        dreambooth {
          classImages
          priorLossWeight
          classImageSteps
        }
      }
      state
      stage
      step
      totalSteps
      cancelRequested
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
      losses {
        stage
        step
        loss
      }
      samples {
        ...SampleFields
      }
      checkpoints {
        ...CheckpointFields
      }
    }
  }
  ${SAMPLE_FIELDS}
  ${CHECKPOINT_FIELDS}
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
        ... on SampleSaved {
          seq
          at
          stage
          step
          prompt
          promptIndex
          url
          sample {
            ...SampleFields
          }
        }
        ... on CheckpointSaved {
          seq
          at
          stage
          step
          checkpoint {
            ...CheckpointFields
          }
        }
        ... on EvaluationUpdated {
          seq
          at
          checkpointId
          protocol
          # aliased: RunStateChanged.state is a RunState, this one an EvaluationState
          evaluationState
        }
      }
    }
  }
  ${SAMPLE_FIELDS}
  ${CHECKPOINT_FIELDS}
`;

export const START_RUN = /* GraphQL */ `
  mutation StartRun($input: StartRunInput!) {
    startRun(input: $input) {
      id
    }
  }
`;

export const CANCEL_RUN = /* GraphQL */ `
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      state
      cancelRequested
    }
  }
`;
