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
}

export type ViewerModel = Principal;
