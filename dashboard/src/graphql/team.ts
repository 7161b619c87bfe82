export const MEMBER_FIELDS = /* GraphQL */ `
  fragment MemberFields on Member {
    role
    joinedAt
    user {
      id
      name
      email
    }
  }
`;

export const INVITATION_FIELDS = /* GraphQL */ `
  fragment InvitationFields on Invitation {
    id
    role
    createdAt
    expiresAt
    acceptedAt
    revokedAt
    createdBy {
      id
      name
    }
    acceptedBy {
      id
      name
    }
  }
`;

export const API_KEY_FIELDS = /* GraphQL */ `
  fragment ApiKeyFields on ApiKey {
    id
    name
    prefix
    createdAt
    revokedAt
  }
`;

export const TEAM_QUERY = /* GraphQL */ `
  query Team {
    viewer {
      role
      user {
        id
        name
      }
      team {
        id
        name
        members {
          ...MemberFields
        }
      }
      apiKeys {
        ...ApiKeyFields
      }
    }
  }
  ${MEMBER_FIELDS}
  ${API_KEY_FIELDS}
`;

export const INVITATIONS_QUERY = /* GraphQL */ `
  query Invitations {
    invitations {
      ...InvitationFields
    }
  }
  ${INVITATION_FIELDS}
`;

export const AUDIT_QUERY = /* GraphQL */ `
  query ShareAudit($first: Int) {
    shareAudit(first: $first) {
      id
      action
      at
      shareId
      details
      actor {
        id
        name
      }
    }
  }
`;

export const CREATE_INVITATION = /* GraphQL */ `
  mutation CreateInvitation($role: TeamRole!, $expiresInHours: Int) {
    createInvitation(role: $role, expiresInHours: $expiresInHours) {
      code
      invitation {
        ...InvitationFields
      }
    }
  }
  ${INVITATION_FIELDS}
`;

export const REVOKE_INVITATION = /* GraphQL */ `
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      ...InvitationFields
    }
  }
  ${INVITATION_FIELDS}
`;

export const SET_MEMBER_ROLE = /* GraphQL */ `
  mutation SetMemberRole($userId: ID!, $role: TeamRole!) {
    setMemberRole(userId: $userId, role: $role) {
      ...MemberFields
    }
  }
  ${MEMBER_FIELDS}
`;

export const REMOVE_MEMBER = /* GraphQL */ `
  mutation RemoveMember($userId: ID!) {
    removeMember(userId: $userId) {
      user {
        id
      }
    }
  }
`;

export const ACCEPT_INVITATION = /* GraphQL */ `
  mutation AcceptInvitation($code: String!, $name: String, $email: String) {
    acceptInvitation(code: $code, name: $name, email: $email) {
      team {
        id
        name
      }
      user {
        id
        name
      }
      apiKey {
        secret
      }
    }
  }
`;

export const CREATE_API_KEY = /* GraphQL */ `
  mutation CreateApiKey($name: String!) {
    createApiKey(name: $name) {
      secret
      apiKey {
        ...ApiKeyFields
      }
    }
  }
  ${API_KEY_FIELDS}
`;

export const REVOKE_API_KEY = /* GraphQL */ `
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      ...ApiKeyFields
    }
  }
  ${API_KEY_FIELDS}
`;
