import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsImport from "ajv-formats";

/**
 * The engine's events, checked against trainer/protocol/events.schema.json — the same file the
 * Python tests validate against, so the two sides cannot drift apart silently.
 */
const schemaPath = new URL("../../protocol/events.schema.json", import.meta.url);
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormatsImport as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));

export interface EngineEventBase {
  v: 1;
  seq: number;
  ts: string;
  type: string;
  [k: string]: unknown;
}

export interface ReadyEvent extends EngineEventBase {
  type: "ready";
  engineVersion: string;
  torch: string;
  device: { type: "cpu" | "cuda"; name?: string };
  /** torch's CPU threads in the engine process, after the trainer's budget was applied. */
  threads: { intraOp: number; interOp: number };
}

export class ProtocolError extends Error {
  readonly code = "PROTOCOL_ERROR";
}

/** Parses and validates one stdout line; throws ProtocolError naming what is wrong. */
export function parseEventLine(line: string): EngineEventBase {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError(`engine wrote a non-JSON line to stdout: ${line.slice(0, 200)}`);
  }
  if (!validate(value)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    throw new ProtocolError(`engine event does not match the protocol: ${why}`);
  }
  return value as EngineEventBase;
}
