export const VIEWER = /* GraphQL */ `
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

export const BASE_MODELS = /* GraphQL */ `
  query BaseModels {
    baseModels {
      id
      description
      resolution
      default
    }
  }
`;
