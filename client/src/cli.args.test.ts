import { describe, expect, it } from "vitest";
import { choice, int, parseCommandArgs, positionals, UsageError } from "./cli.args.js";
import { exitCodeFor, findCommand } from "./cli.main.js";
import { StudioError } from "./client.errors.js";
import { startRunInput } from "./runs.command.js";

const usage = "usage: test";
const parse = (argv: string[]) => {
  const found = findCommand(argv)!;
  return { name: found.command.name, ...parseCommandArgs(found.rest, found.command.options, usage) };
};

describe("CLI argument parsing", () => {
  it("finds two-word commands before one-word ones and keeps the rest", () => {
    expect(findCommand(["runs", "start", "--watch"])?.command.name).toBe("runs start");
    expect(findCommand(["share", "--run", "r"])?.command.name).toBe("share");
    expect(findCommand(["share", "revoke", "s1"])?.command.name).toBe("share revoke");
    expect(findCommand(["runs"])).toBeNull();
    expect(findCommand(["nope"])).toBeNull();
  });

  it("maps runs start flags to StartRunInput", () => {
    const p = parse([
      "runs",
      "start",
      "--subject",
      "S",
      "--method",
      "Two-Stage",
      "--base-model",
      "tiny-random",
      "--stage1-steps",
      "2",
      "--stage2-steps",
      "3",
      "--sample-prompt",
      "a",
      "--sample-prompt",
      "b",
      "--watch",
      "--json",
    ]);
    expect(startRunInput(p.values, usage)).toEqual({
      subjectId: "S",
      method: "TWO_STAGE",
      baseModel: "tiny-random",
      stage1Steps: 2,
      stage2Steps: 3,
      samplePrompts: ["a", "b"],
    });
    expect(p.values.watch).toBe(true);
    expect(p.values.json).toBe(true);
  });

  it("maps --preset and --max-grad-norm (none disables clipping)", () => {
    const p = parse(["runs", "start", "--subject", "S", "--preset", "section-4-1", "--max-grad-norm", "0.5"]);
    expect(startRunInput(p.values, usage)).toEqual({ subjectId: "S", preset: "SECTION_4_1", maxGradNorm: 0.5 });
    expect(startRunInput(parse(["runs", "start", "--subject", "S", "--max-grad-norm", "none"]).values, usage)).toEqual({ subjectId: "S", maxGradNorm: null });
    expect(startRunInput(parse(["runs", "start", "--subject", "S"]).values, usage)).toEqual({ subjectId: "S" });
    expect(() => startRunInput(parse(["runs", "start", "--subject", "S", "--max-grad-norm", "0"]).values, usage)).toThrow(/--max-grad-norm/);
    expect(() => startRunInput(parse(["runs", "start", "--subject", "S", "--preset", "paper"]).values, usage)).toThrow(/--preset/);
  });

  it("rejects unknown options, missing values, bad numbers and bad choices as usage errors", () => {
    expect(() => parse(["runs", "start", "--bogus"])).toThrow(UsageError);
    expect(() => parse(["runs", "start", "--subject"])).toThrow(/--subject/);
    const p = parse(["runs", "start", "--subject", "S", "--stage1-steps", "2.5", "--method", "lora"]);
    expect(() => int(p.values, "stage1-steps", 1, 20000, usage)).toThrow('--stage1-steps must be an integer from 1 to 20000 (got "2.5")');
    expect(() => choice(p.values, "method", { "two-stage": "TWO_STAGE" }, usage)).toThrow(/--method must be one of two-stage/);
    expect(() => startRunInput(parse(["runs", "start"]).values, usage)).toThrow("--subject is required");
  });

  it("checks the number of positional arguments", () => {
    const p = parse(["runs", "show", "a", "b"]);
    expect(() => positionals(p, ["run-id"], usage)).toThrow('expected <run-id>, got "a" "b"');
    expect(positionals(parse(["runs", "show", "x"]), ["run-id"], usage)).toEqual(["x"]);
  });
});

describe("exit codes", () => {
  it("are 2 for usage and BAD_USER_INPUT, 3 for unreachable/auth, 1 otherwise", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(new StudioError("BAD_USER_INPUT", "x", "classNoun"))).toBe(2);
    expect(exitCodeFor(new StudioError("UNSAFE_FORMAT", "x", "checkpointUploadId"))).toBe(2);
    expect(exitCodeFor(new StudioError("BAD_SAFETENSORS", "x", "checkpointUploadId"))).toBe(2);
    expect(exitCodeFor(new StudioError("UNREACHABLE", "x"))).toBe(3);
    expect(exitCodeFor(new StudioError("UNAUTHENTICATED", "x"))).toBe(3);
    expect(exitCodeFor(new StudioError("NO_API_KEY", "x"))).toBe(3);
    expect(exitCodeFor(new StudioError("NOT_FOUND", "x"))).toBe(1);
    expect(exitCodeFor(new StudioError("FORBIDDEN", "x"))).toBe(1);
    expect(exitCodeFor(new Error("bug"))).toBe(1);
  });
});
