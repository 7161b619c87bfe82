// Trainer-side queries (claiming runs and generations, leases, recording results).
export * from "./lease.queries.js";
export * from "./runs.queries.js";
export * from "./generations.queries.js";
export * from "./evaluations.queries.js";
export * from "./transfers.queries.js";
