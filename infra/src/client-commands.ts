/**
 * The user-facing API commands `./studio` hands to the client CLI (client/src/cli.main.ts). Kept as a
 * literal so `./studio up` and `./studio test` never load the client; client-commands.test.ts checks
 * it against the client's own list, so a new client command cannot be forgotten here.
 */
export const CLIENT_COMMANDS = ["subjects", "runs", "generate", "checkpoints", "evaluate", "share", "export", "import", "login", "logout", "whoami"];
