export * from "./teams.js";
export * from "./users.js";
export * from "./subjects.js";
export * from "./images.js";
export * from "./runs.js";
export * from "./generations.js";
export * from "./workers.js";
export * from "./evaluations.js";
