import type { Resolvers } from "../generated/graphql.js";
import { Checkpoint } from "./Checkpoint.js";
import { CheckpointFile } from "./CheckpointFile.js";
import { GeneratedImage } from "./GeneratedImage.js";
import { Generation } from "./Generation.js";
import { Mutation } from "./Mutation.js";
import { Query } from "./Query.js";
import { Run } from "./Run.js";
import { CheckpointSaved, LossLogged, RunEvent, RunStateChanged, SampleSaved, StageStarted } from "./RunEvent.js";
import { Sample } from "./Sample.js";
import { DateTime, JSONScalar } from "./scalars.js";
import { Subject } from "./Subject.js";
import { SubjectImage } from "./SubjectImage.js";
import { Subscription } from "./Subscription.js";
import { Viewer } from "./Viewer.js";

export const resolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query,
  Mutation,
  Subscription,
  Viewer,
  Subject,
  SubjectImage,
  Run,
  Sample,
  Checkpoint,
  CheckpointFile,
  Generation,
  GeneratedImage,
  RunEvent,
  RunStateChanged,
  StageStarted,
  LossLogged,
  SampleSaved,
  CheckpointSaved,
};
