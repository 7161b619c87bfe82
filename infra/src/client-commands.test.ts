import { describe, expect, it } from "vitest";
import { CLIENT_COMMAND_WORDS } from "@studio/client/cli";
import { CLIENT_COMMANDS } from "./client-commands.js";

describe("./studio forwards every client command", () => {
  it("lists exactly the client CLI's top-level words", () => {
    expect([...CLIENT_COMMANDS].sort()).toEqual([...CLIENT_COMMAND_WORDS].sort());
  });
});
