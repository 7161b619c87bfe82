// API-side queries (teams, users, keys, subjects, images, runs, checkpoints, generations).
// Every read and write takes the caller's teamId: rows of another team are simply not found.
export * from "./teams.queries.js";
export * from "./subjects.queries.js";
export * from "./runs.queries.js";
export * from "./generations.queries.js";
export * from "./evaluations.queries.js";
export * from "./sharing.queries.js";
export * from "./members.queries.js";
export * from "./transfers.queries.js";
export * from "./limits.queries.js";
export * from "./uploads.queries.js";
