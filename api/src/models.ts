import type { apiQueries, schema } from "@studio/db";

/**
 * What resolvers pass around: the database rows themselves (codegen maps GraphQL types onto these),
 * so field resolvers can load relations through the per-request DataLoaders.
 */
export type SubjectModel = typeof schema.subjects.$inferSelect;
export type SubjectImageModel = typeof schema.subjectImages.$inferSelect;
export type UploadModel = typeof schema.uploads.$inferSelect;
export type RunModel = typeof schema.runs.$inferSelect;
export type SampleModel = typeof schema.samples.$inferSelect;
export type CheckpointModel = typeof schema.checkpoints.$inferSelect;
export type CheckpointFileModel = CheckpointModel["files"][number];
export type GenerationModel = typeof schema.generations.$inferSelect;
export type GeneratedImageModel = GenerationModel["images"][number];
export type RunEventModel = typeof schema.runEvents.$inferSelect;
export type EvaluationModel = typeof schema.evaluations.$inferSelect;
export type EvaluationImageModel = EvaluationModel["images"][number] & { evaluation: EvaluationModel };
export type RecommendationModel = { checkpoint: CheckpointModel; evaluation: EvaluationModel; protocol: EvaluationModel["protocol"]; reason: string };
export type ScoreSetModel = { evaluation: EvaluationModel };
export type CompareRowModel = { run: RunModel; checkpoint: CheckpointModel | null; diverse: EvaluationModel | null; simple: EvaluationModel | null; quick: EvaluationModel | null };
export type ApiKeyModel = typeof schema.apiKeys.$inferSelect;
export type UserModel = typeof schema.users.$inferSelect;
export type TeamRole = apiQueries.TeamRole;
export type TeamModel = { id: string; name: string; role: TeamRole };
export type CreatedApiKeyModel = { apiKey: ApiKeyModel; secret: string };

/** The authenticated caller: one API key acting as (user, team). */
export interface Principal {
  keyId: string;
  userId: string;
  teamId: string;
  role: TeamRole;
  /** Set only for a share-link caller (`Bearer shl_…`); then keyId/userId/teamId are NIL_UUID (own nothing). */
  link?: LinkAccess;
}

export type ViewerModel = Principal;

// ---- roles, invitations, shares, model cards (api/schema/sharing.graphql) ----
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";
export interface LinkAccess {
  shareId: string;
  runId: string;
  ownerTeamId: string;
  promptOnly: boolean;
}
export type MemberModel = typeof schema.memberships.$inferSelect;
export type InvitationModel = typeof schema.invitations.$inferSelect;
export type CreatedInvitationModel = { invitation: InvitationModel; code: string };
export type AcceptedInvitationModel = { team: TeamModel; user: UserModel; apiKey: CreatedApiKeyModel };
export type ShareModel = typeof schema.shares.$inferSelect;
export type CreatedShareModel = { share: ShareModel; token: string | null; url: string | null };
export type SharedRunModel = {
  shareId: string;
  run: RunModel;
  team: { id: string; name: string };
  promptOnly: boolean;
  sharedAt: Date;
  expiresAt: Date | null;
};
export type ShareAuditEntryModel = typeof schema.accessAudit.$inferSelect;
export type ModelCardImageModel = { sha256: string; teamId: string; subjectId: string; imageId: string; displayKey: string; hidden: boolean };
export type ModelCardModel = {
  checkpoint: CheckpointModel;
  run: RunModel;
  baseModel: string;
  method: RunModel["method"];
  token: string;
  classNoun: string;
  instancePrompt: string | null;
  stage: string;
  step: number;
  stageSettings: Record<string, unknown>;
  subjectImages: ModelCardImageModel[];
  evaluations: { protocol: EvaluationModel["protocol"]; clipI: number; clipT: number; dino: number; evaluationId: string; evaluatedAt: Date }[];
  team: { id: string; name: string };
  trainedBy: UserModel | null;
  trainedAt: Date;
  checkpointSha256: string;
  /** The weights' content hash (equal hashes, equal models); null for checkpoints recorded before it. */
  checkpointContentHash: string | null;
};

// ---- exports and imports (api/schema/transfers.graphql) ----
export type ModelExportModel = typeof schema.modelExports.$inferSelect;
export type ExportFileModel = ModelExportModel["files"][number];
export type ModelImportModel = typeof schema.modelImports.$inferSelect;
