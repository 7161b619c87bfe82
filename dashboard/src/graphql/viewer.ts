export const VIEWER_QUERY = /* GraphQL */ `
  query Viewer {
    viewer {
      user {
        id
        name
      }
      team {
        id
        name
      }
      role
    }
  }
`;

export const BASE_MODELS_QUERY = /* GraphQL */ `
  query BaseModels {
    baseModels {
      id
      description
      resolution
      default
    }
  }
`;
