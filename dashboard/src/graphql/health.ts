/* Operations are written here once; `pnpm codegen` derives their types into src/generated. */
export const HEALTH_QUERY = /* GraphQL */ `
  query Health {
    health {
      status
      checkedAt
      version
      postgres {
        ...ServiceFields
      }
      storage {
        ...ServiceFields
      }
      engine {
        ...ServiceFields
      }
    }
  }

  fragment ServiceFields on ServiceHealth {
    name
    status
    latencyMs
    message
  }
`;
