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
    finishedAt
    checkpoint {
      id
    }
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

export const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateInput!) {
    generate(input: $input) {
      ...GenerationFields
    }
  }
  ${GENERATION_FIELDS}
`;

export const GENERATION = /* GraphQL */ `
  query Generation($id: ID!) {
    generation(id: $id) {
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
