#!/usr/bin/env -S node --import tsx
import { runCli } from "./cli.main.js";

// The client CLI on its own (`studio-client …`); `./studio subjects|runs|generate|…` runs the same code.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`studio: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
