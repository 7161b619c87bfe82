import type { Resolvers } from "../generated/graphql.js";
import { Query } from "./Query.js";
import { DateTime, JSONScalar } from "./scalars.js";
import { Subscription } from "./Subscription.js";

export const resolvers: Resolvers = { DateTime, JSON: JSONScalar, Query, Subscription };
