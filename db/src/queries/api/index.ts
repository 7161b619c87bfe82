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
// Reads the API also makes of the database itself and of the trainers' worker rows (the same functions
// are exported at the package's top level, where the trainer uses them).
export { serverVersion } from "../health.queries.js";
export { baseModelAvailability, liveWorkers, type BaseModelAvailability } from "../workers.queries.js";
