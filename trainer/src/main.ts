import { ConfigError, parseConfig } from "./config.js";
import { Trainer, type Log } from "./trainer.service.js";

const log: Log = (level, msg) => {
  const line = `${new Date().toISOString()} trainer ${level} ${msg}`;
  (level === "info" ? console.log : console.error)(line);
};

let config;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`trainer: ${err.message}`);
    process.exit(78);
  }
  throw err;
}

const trainer = new Trainer(config, log);
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log("info", `${sig}: stopping`);
    trainer.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
try {
  await trainer.start();
  log("info", `trainer ${config.TRAINER_ID} running (pid ${process.pid})`);
} catch (err) {
  log("error", (err as Error).message);
  await trainer.stop();
  process.exit(1);
}
