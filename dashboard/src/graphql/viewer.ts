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
