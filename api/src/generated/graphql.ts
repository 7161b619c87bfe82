import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ApiContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date-time in UTC, e.g. 2026-11-27T10:00:00.000Z. */
  DateTime: { input: Date | string; output: Date | string; }
  /** Free-form JSON, used for details that differ per service. */
  JSON: { input: unknown; output: unknown; }
};

export type Health = {
  __typename?: 'Health';
  checkedAt: Scalars['DateTime']['output'];
  /** Trainers that have reported an engine in the last WORKER_STALE_AFTER_MS. */
  engine: ServiceHealth;
  postgres: ServiceHealth;
  /** OK only when every service is OK. */
  status: ServiceStatus;
  storage: ServiceHealth;
  /** The version of this API process. */
  version: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Status of PostgreSQL, object storage and the engine. Needs no authentication. */
  health: Health;
};

/** The state of one service the product depends on. */
export type ServiceHealth = {
  __typename?: 'ServiceHealth';
  details: Maybe<Scalars['JSON']['output']>;
  /** How long the check took. */
  latencyMs: Maybe<Scalars['Float']['output']>;
  /** A sentence for people: what is wrong, or what answered. */
  message: Scalars['String']['output'];
  /** postgres, storage or engine. */
  name: Scalars['String']['output'];
  status: ServiceStatus;
};

export type ServiceStatus =
  /** Not reachable or not working. */
  | 'DOWN'
  /** Answering normally. */
  | 'OK'
  /** Could not be checked, because something it depends on is down. */
  | 'UNKNOWN';

export type Subscription = {
  __typename?: 'Subscription';
  /** The health report now, then again every `everySeconds` seconds (1–3600). */
  health: Health;
  /** Every trainer heartbeat, as it happens. */
  workerHeartbeats: WorkerHeartbeat;
};


export type SubscriptionHealthArgs = {
  everySeconds?: Scalars['Int']['input'];
};

/** A trainer process announced that it is alive (relayed from PostgreSQL NOTIFY). */
export type WorkerHeartbeat = {
  __typename?: 'WorkerHeartbeat';
  at: Scalars['DateTime']['output'];
  workerId: Scalars['String']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Health: ResolverTypeWrapper<Health>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ServiceHealth: ResolverTypeWrapper<ServiceHealth>;
  ServiceStatus: ServiceStatus;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  WorkerHeartbeat: ResolverTypeWrapper<WorkerHeartbeat>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  DateTime: Scalars['DateTime']['output'];
  Float: Scalars['Float']['output'];
  Health: Health;
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Query: Record<PropertyKey, never>;
  ServiceHealth: ServiceHealth;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  WorkerHeartbeat: WorkerHeartbeat;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type HealthResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Health'] = ResolversParentTypes['Health']> = {
  checkedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  engine?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  postgres?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ServiceStatus'], ParentType, ContextType>;
  storage?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
};

export type ServiceHealthResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ServiceHealth'] = ResolversParentTypes['ServiceHealth']> = {
  details?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  latencyMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ServiceStatus'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  health?: SubscriptionResolver<ResolversTypes['Health'], "health", ParentType, ContextType, RequireFields<SubscriptionHealthArgs, 'everySeconds'>>;
  workerHeartbeats?: SubscriptionResolver<ResolversTypes['WorkerHeartbeat'], "workerHeartbeats", ParentType, ContextType>;
};

export type WorkerHeartbeatResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['WorkerHeartbeat'] = ResolversParentTypes['WorkerHeartbeat']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  workerId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = ApiContext> = {
  DateTime?: GraphQLScalarType;
  Health?: HealthResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Query?: QueryResolvers<ContextType>;
  ServiceHealth?: ServiceHealthResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  WorkerHeartbeat?: WorkerHeartbeatResolvers<ContextType>;
};

