// Evaluation operations (api/schema/evaluations.graphql, docs/evaluation-contract.md).

/** What the run page and the compare view show of one evaluation: no image URLs, so polling is cheap. */
export const EVALUATION_SUMMARY = /* GraphQL */ `
  fragment EvaluationSummary on Evaluation {
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
    drift {
      clipI
      dino
      threshold
      flagged
    }
    error {
      code
      message
    }
    checkpoint {
      id
      stage
      step
    }
    createdAt
    finishedAt
  }
`;

export const RUN_EVALUATIONS_QUERY = /* GraphQL */ `
  query RunEvaluations($id: ID!) {
    evaluator {
      available
      message
    }
    run(id: $id) {
      id
      evaluations {
        ...EvaluationSummary
      }
      recommendedCheckpoint {
        protocol
        reason
        checkpoint {
          id
        }
        evaluation {
          id
        }
      }
    }
  }
  ${EVALUATION_SUMMARY}
`;

export const EVALUATION_QUERY = /* GraphQL */ `
  query Evaluation($id: ID!) {
    evaluation(id: $id) {
      ...EvaluationSummary
      steps
      guidanceScale
      scoredWith
      startedAt
      run {
        id
        method
        baseModel
        settings {
          stage1 {
            steps
          }
        }
        subject {
          id
          name
          classNoun
        }
      }
      prompts {
        index
        prompt
        scoringPrompt
        seeds
      }
      perPrompt {
        promptIndex
        prompt
        scoringPrompt
        clipI
        clipT
        dino
        imageCount
      }
      drift {
        prompt
      }
      images {
        group
        promptIndex
        prompt
        seed
        url
      }
    }
  }
  ${EVALUATION_SUMMARY}
`;

/** The cheap part of one evaluation, polled while it runs. */
export const EVALUATION_PROGRESS_QUERY = /* GraphQL */ `
  query EvaluationProgress($id: ID!) {
    evaluation(id: $id) {
      ...EvaluationSummary
    }
  }
  ${EVALUATION_SUMMARY}
`;

export const EVALUATE_CHECKPOINT = /* GraphQL */ `
  mutation EvaluateCheckpoint($checkpointId: ID!, $protocol: EvaluationProtocol!) {
    evaluateCheckpoint(checkpointId: $checkpointId, protocol: $protocol) {
      ...EvaluationSummary
    }
  }
  ${EVALUATION_SUMMARY}
`;

export const COMPARE_RUNS_QUERY = /* GraphQL */ `
  query CompareRuns($runIds: [ID!]!) {
    compareRuns(runIds: $runIds) {
      rows {
        run {
          id
          method
          baseModel
          state
          settings {
            stage1 {
              steps
            }
          }
          totalSteps
          createdAt
          losses {
            stage
            step
            loss
          }
          subject {
            id
            name
          }
          evaluations {
            id
            protocol
            state
            progress
            checkpoint {
              id
            }
          }
        }
        checkpoint {
          id
          stage
          step
        }
        diverse {
          ...ScoreFields
        }
        simple {
          ...ScoreFields
        }
        quick {
          ...ScoreFields
        }
      }
      paper {
        method
        diverseClipI
        diverseDino
        simpleClipI
        simpleDino
      }
    }
  }
  fragment ScoreFields on ScoreSet {
    clipI
    clipT
    dino
    evaluation {
      id
    }
  }
`;
