import type { Resolvers } from "../generated/graphql.js";
import { Checkpoint } from "./Checkpoint.js";
import { CheckpointFile } from "./CheckpointFile.js";
import { GeneratedImage } from "./GeneratedImage.js";
import { Generation } from "./Generation.js";
import { Health } from "./Health.js";
import { Mutation } from "./Mutation.js";
import { Query } from "./Query.js";
import { Run } from "./Run.js";
import { CheckpointSaved, EvaluationUpdated, LossLogged, PhaseChanged, RunEvent, RunStateChanged, SampleSaved, StageStarted } from "./RunEvent.js";
import { CompareRow, ScoreSet } from "./CompareRow.js";
import { Evaluation, EvaluationImage, Recommendation } from "./Evaluation.js";
import { ExportFile } from "./ExportFile.js";
import { ModelExport } from "./ModelExport.js";
import { ModelImport } from "./ModelImport.js";
import { Sample } from "./Sample.js";
import { DateTime, JSONScalar } from "./scalars.js";
import { Subject } from "./Subject.js";
import { SubjectImage } from "./SubjectImage.js";
import { Subscription } from "./Subscription.js";
import { Viewer } from "./Viewer.js";
import { Invitation } from "./Invitation.js";
import { Member } from "./Member.js";
import { ModelCard, ModelCardImage } from "./ModelCard.js";
import { Share } from "./Share.js";
import { ShareAuditEntry } from "./ShareAuditEntry.js";
import { sharingMutation, sharingQuery } from "./sharing.root.js";
import { Team } from "./Team.js";

export const resolvers: Resolvers = {
  Health,
  DateTime,
  JSON: JSONScalar,
  Query: { ...Query, ...sharingQuery },
  Mutation: { ...Mutation, ...sharingMutation },
  Subscription,
  Viewer,
  Team,
  Member,
  Invitation,
  Share,
  ShareAuditEntry,
  ModelCard,
  ModelCardImage,
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
  PhaseChanged,
  LossLogged,
  SampleSaved,
  CheckpointSaved,
  EvaluationUpdated,
  Evaluation,
  EvaluationImage,
  Recommendation,
  CompareRow,
  ScoreSet,
  ModelExport,
  ExportFile,
  ModelImport,
};
