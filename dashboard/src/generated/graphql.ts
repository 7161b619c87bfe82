/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type ServiceStatus =
  /** Not reachable or not working. */
  | 'DOWN'
  /** Answering normally. */
  | 'OK'
  /** Could not be checked, because something it depends on is down. */
  | 'UNKNOWN';

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { status: ServiceStatus, checkedAt: string, version: string, postgres: { name: string, status: ServiceStatus, latencyMs: number | null, message: string }, storage: { name: string, status: ServiceStatus, latencyMs: number | null, message: string }, engine: { name: string, status: ServiceStatus, latencyMs: number | null, message: string } } };

export type ServiceFieldsFragment = { name: string, status: ServiceStatus, latencyMs: number | null, message: string };
