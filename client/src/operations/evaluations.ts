export const EVALUATION_FIELDS = /* GraphQL */ `
  fragment EvaluationFields on Evaluation {
    id
    protocol
    automatic
    state
    progress
    imagesTotal
    imagesDone
    imagesScored
    clipI
    clipT
    dino
    createdAt
    finishedAt
    checkpoint {
      id
      stage
      step
    }
    drift {
      prompt
      clipI
      dino
      threshold
      flagged
    }
    error {
      code
      message
    }
  }
`;

export const EVALUATE_CHECKPOINT = /* GraphQL */ `
  mutation EvaluateCheckpoint($checkpointId: ID!, $protocol: EvaluationProtocol!) {
    evaluateCheckpoint(checkpointId: $checkpointId, protocol: $protocol) {
      ...EvaluationFields
    }
  }
  ${EVALUATION_FIELDS}
`;

export const EVALUATION = /* GraphQL */ `
  query Evaluation($id: ID!) {
    evaluation(id: $id) {
      ...EvaluationFields
    }
  }
  ${EVALUATION_FIELDS}
`;

export const CHECKPOINT_EVALUATIONS = /* GraphQL */ `
  query CheckpointEvaluations($id: ID!) {
    checkpoint(id: $id) {
      id
      evaluations {
        ...EvaluationFields
      }
    }
  }
  ${EVALUATION_FIELDS}
`;

export const EVALUATION_UPDATED = /* GraphQL */ `
  subscription EvaluationUpdated($id: ID!) {
    evaluationUpdated(id: $id) {
      ...EvaluationFields
    }
  }
  ${EVALUATION_FIELDS}
`;
