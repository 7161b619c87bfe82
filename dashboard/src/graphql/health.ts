/* Operations are written here once; `pnpm codegen` derives their types into src/generated. */

/** What anyone may ask: the overall status (each service's details need an API key). */
export const HEALTH_STATUS_QUERY = /* GraphQL */ `
  query HealthStatus {
    health {
      status
      checkedAt
    }
  }
`;

/** Every service's status, message and latency (needs an API key). */
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
