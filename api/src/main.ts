import { ConfigError, parseConfig } from "./config.js";
import { startApi, type Logger } from "./server.js";

const log: Logger = (level, msg) => {
  const line = `${new Date().toISOString()} api ${level} ${msg}`;
  (level === "info" ? console.log : console.error)(line);
};

let config;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`api: ${err.message}`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const api = await startApi(config, log).catch((err: NodeJS.ErrnoException) => {
  const why = err.code === "EADDRINUSE" ? `port ${config.API_PORT} on ${config.API_HOST} is already in use` : err.message;
  console.error(`api: cannot start: ${why}`);
  process.exit(1);
});
log("info", `GraphQL ready at ${api.url} (subscriptions ${api.wsUrl})`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log("info", `${sig}: draining`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
