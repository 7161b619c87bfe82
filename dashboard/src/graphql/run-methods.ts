/** The new-run form's facts: the base models and the methods' defaults, presets and limits (one request). */
export const NEW_RUN_FACTS_QUERY = /* GraphQL */ `
  query NewRunFacts {
    baseModels {
      id
      description
      resolution
      default
    }
    runMethods {
      defaultMethod
      defaultPreset
      defaultMaxGradNorm
      methods {
        method
        token
        tokenRole
        samplePromptTemplate
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
      }
      presets {
        preset
        description
        stage2Steps {
          method
          steps
        }
      }
      limits {
        steps {
          min
          max
        }
        checkpointEvery {
          min
          max
        }
        learningRate {
          min
          max
          minExclusive
        }
        maxGradNorm {
          min
          max
          minExclusive
        }
        seed {
          min
          max
        }
        samplePrompts {
          maxCount
          maxLength
        }
      }
    }
  }
`;
