export * from "./teams.js";
export * from "./subjects.js";
export * from "./workers.js";
