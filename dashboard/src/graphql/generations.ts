export const GENERATION_FIELDS = /* GraphQL */ `
  fragment GenerationFields on Generation {
    id
    prompt
    negativePrompt
    seed
    steps
    guidanceScale
    count
    state
    stepsDone
    stepsTotal
    width
    height
    scheduler
    createdAt
    images {
      index
      seed
      url
    }
    error {
      code
      message
    }
  }
`;

export const CHECKPOINT_QUERY = /* GraphQL */ `
  query Checkpoint($id: ID!) {
    baseModels {
      id
      resolution
      generationSizes {
        min
        max
      }
    }
    checkpoint(id: $id) {
      id
      stage
      step
      sizeBytes
      downloadUrl
      generations(first: 20) {
        ...GenerationFields
      }
      run {
        id
        method
        token
        defaultPrompt
        baseModel
        settings {
          stage1 {
            steps
          }
        }
        checkpoints {
          id
          stage
          step
        }
        subject {
          id
          name
          classNoun
        }
      }
    }
  }
  ${GENERATION_FIELDS}
`;

export const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateInput!) {
    generate(input: $input) {
      ...GenerationFields
    }
  }
  ${GENERATION_FIELDS}
`;

export const GENERATION_UPDATED = /* GraphQL */ `
  subscription GenerationUpdated($id: ID!) {
    generationUpdated(id: $id) {
      ...GenerationFields
    }
  }
  ${GENERATION_FIELDS}
`;

export const GENERATION_QUERY = /* GraphQL */ `
  query GenerationById($id: ID!) {
    generation(id: $id) {
      ...GenerationFields
    }
  }
  ${GENERATION_FIELDS}
`;
