// API-side queries (teams, users, keys, subjects, images, runs, checkpoints, generations).
export {};
