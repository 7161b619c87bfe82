export {
  StudioClient,
  type StudioClientOptions,
  type Run,
  type Subject,
  type Generation,
  type Evaluation,
  type Checkpoint,
  type RunEvent,
  type Share,
  type CreatedShare,
  type ModelExport,
  type ModelImport,
  type ExportedFile,
  type ExportArchive,
  type ImportFilesInput,
} from "./client.js";
export { StudioError, type ClientErrorCode } from "./client.errors.js";
export { watchRunEvents, isTerminalEvent, TERMINAL_RUN_STATES } from "./run.watch.js";
export type * from "./generated/graphql.js";
