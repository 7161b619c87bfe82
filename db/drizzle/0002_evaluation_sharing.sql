CREATE TYPE "public"."evaluation_protocol" AS ENUM('QUICK', 'DIVERSE', 'SIMPLE');--> statement-breakpoint
CREATE TYPE "public"."evaluation_state" AS ENUM('QUEUED', 'GENERATING', 'SCORING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."audit_action" AS ENUM('SHARE_CREATED', 'SHARE_REVOKED', 'MEMBER_INVITED', 'INVITATION_REVOKED', 'MEMBER_JOINED', 'MEMBER_REMOVED', 'ROLE_CHANGED', 'KEY_REVOKED');--> statement-breakpoint
CREATE TYPE "public"."share_kind" AS ENUM('TEAM', 'LINK');--> statement-breakpoint
CREATE TYPE "public"."export_format" AS ENUM('DIFFUSERS', 'SINGLE_FILE');--> statement-breakpoint
CREATE TYPE "public"."import_file_role" AS ENUM('CHECKPOINT', 'EMBEDDING');--> statement-breakpoint
CREATE TYPE "public"."transfer_state" AS ENUM('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"checkpoint_id" uuid NOT NULL,
	"protocol" "evaluation_protocol" NOT NULL,
	"automatic" boolean DEFAULT false NOT NULL,
	"requested_by" uuid,
	"state" "evaluation_state" DEFAULT 'QUEUED' NOT NULL,
	"spec" jsonb NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"attempt" integer DEFAULT 0 NOT NULL,
	"images_total" integer NOT NULL,
	"images_done" integer DEFAULT 0 NOT NULL,
	"images_scored" integer DEFAULT 0 NOT NULL,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"clip_i" double precision,
	"clip_t" double precision,
	"dino" double precision,
	"per_prompt" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"drift" jsonb,
	"scored_with" jsonb,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "evaluations_images" CHECK ("evaluations"."images_total" > 0 and "evaluations"."images_done" between 0 and "evaluations"."images_total"),
	CONSTRAINT "evaluations_finished_when_final" CHECK (("evaluations"."state" in ('SUCCEEDED','FAILED')) = ("evaluations"."finished_at" is not null)),
	CONSTRAINT "evaluations_error_when_failed" CHECK ("evaluations"."state" <> 'FAILED' or "evaluations"."error_code" is not null),
	CONSTRAINT "evaluations_scores_when_succeeded" CHECK ("evaluations"."state" <> 'SUCCEEDED' or ("evaluations"."clip_i" is not null and "evaluations"."clip_t" is not null and "evaluations"."dino" is not null))
);
--> statement-breakpoint
CREATE TABLE "access_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"action" "audit_action" NOT NULL,
	"actor_user_id" uuid,
	"share_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"role" "team_role" NOT NULL,
	"code_hash" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "invitations_code_hash_format" CHECK ("invitations"."code_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "shares" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"kind" "share_kind" NOT NULL,
	"target_team_id" uuid,
	"token_hash" text,
	"prompt_only" boolean DEFAULT false NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	CONSTRAINT "shares_kind_fields" CHECK (("shares"."kind" = 'TEAM' and "shares"."target_team_id" is not null and "shares"."token_hash" is null and not "shares"."prompt_only")
        or ("shares"."kind" = 'LINK' and "shares"."target_team_id" is null and "shares"."token_hash" ~ '^[0-9a-f]{64}$')),
	CONSTRAINT "shares_not_self" CHECK ("shares"."target_team_id" is null or "shares"."target_team_id" <> "shares"."team_id")
);
--> statement-breakpoint
CREATE TABLE "model_exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"checkpoint_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"format" "export_format" NOT NULL,
	"half" boolean DEFAULT false NOT NULL,
	"state" "transfer_state" DEFAULT 'QUEUED' NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"attempt" integer DEFAULT 0 NOT NULL,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_code" text,
	"error_message" text,
	"requested_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "model_exports_lease_when_running" CHECK ("model_exports"."state" <> 'RUNNING' or ("model_exports"."lease_owner" is not null and "model_exports"."lease_expires_at" is not null)),
	CONSTRAINT "model_exports_finished_when_final" CHECK (("model_exports"."state" in ('SUCCEEDED','FAILED')) = ("model_exports"."finished_at" is not null)),
	CONSTRAINT "model_exports_error_when_failed" CHECK ("model_exports"."state" <> 'FAILED' or "model_exports"."error_code" is not null)
);
--> statement-breakpoint
CREATE TABLE "model_import_uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"created_by" uuid,
	"role" "import_file_role" NOT NULL,
	"object_key" text NOT NULL,
	"filename" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_import_uploads_size" CHECK ("model_import_uploads"."byte_size" > 0)
);
--> statement-breakpoint
CREATE TABLE "model_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"created_by" uuid,
	"state" "transfer_state" DEFAULT 'QUEUED' NOT NULL,
	"name" text NOT NULL,
	"class_noun" text NOT NULL,
	"kind" "subject_kind" DEFAULT 'OBJECT' NOT NULL,
	"token" text,
	"base_model" text NOT NULL,
	"uploads" jsonb NOT NULL,
	"subject_id" uuid,
	"run_id" uuid,
	"checkpoint_id" uuid,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"attempt" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "model_imports_name_length" CHECK (char_length("model_imports"."name") between 1 and 100),
	CONSTRAINT "model_imports_class_noun_format" CHECK ("model_imports"."class_noun" ~ '^[a-z][a-z _-]{0,39}$'),
	CONSTRAINT "model_imports_lease_when_running" CHECK ("model_imports"."state" <> 'RUNNING' or ("model_imports"."lease_owner" is not null and "model_imports"."lease_expires_at" is not null)),
	CONSTRAINT "model_imports_finished_when_final" CHECK (("model_imports"."state" in ('SUCCEEDED','FAILED')) = ("model_imports"."finished_at" is not null)),
	CONSTRAINT "model_imports_error_when_failed" CHECK ("model_imports"."state" <> 'FAILED' or "model_imports"."error_code" is not null)
);
--> statement-breakpoint
ALTER TABLE "run_events" DROP CONSTRAINT "run_events_type";--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "share_id" uuid;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_checkpoint_id_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."checkpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_audit" ADD CONSTRAINT "access_audit_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_audit" ADD CONSTRAINT "access_audit_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_audit" ADD CONSTRAINT "access_audit_share_id_shares_id_fk" FOREIGN KEY ("share_id") REFERENCES "public"."shares"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_target_team_id_teams_id_fk" FOREIGN KEY ("target_team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_exports" ADD CONSTRAINT "model_exports_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_exports" ADD CONSTRAINT "model_exports_checkpoint_id_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."checkpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_exports" ADD CONSTRAINT "model_exports_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_exports" ADD CONSTRAINT "model_exports_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_import_uploads" ADD CONSTRAINT "model_import_uploads_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_import_uploads" ADD CONSTRAINT "model_import_uploads_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_imports" ADD CONSTRAINT "model_imports_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_imports" ADD CONSTRAINT "model_imports_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_imports" ADD CONSTRAINT "model_imports_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_imports" ADD CONSTRAINT "model_imports_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_imports" ADD CONSTRAINT "model_imports_checkpoint_id_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."checkpoints"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_checkpoint_idx" ON "evaluations" USING btree ("checkpoint_id","created_at");--> statement-breakpoint
CREATE INDEX "evaluations_run_idx" ON "evaluations" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "evaluations_claimable_idx" ON "evaluations" USING btree ("state","lease_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluations_automatic_idx" ON "evaluations" USING btree ("checkpoint_id","protocol") WHERE "evaluations"."automatic";--> statement-breakpoint
CREATE INDEX "access_audit_team_idx" ON "access_audit" USING btree ("team_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_code_hash_idx" ON "invitations" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "invitations_team_idx" ON "invitations" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "shares_token_hash_idx" ON "shares" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "shares_team_idx" ON "shares" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "shares_run_idx" ON "shares" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "shares_target_idx" ON "shares" USING btree ("target_team_id","run_id");--> statement-breakpoint
CREATE INDEX "model_exports_checkpoint_idx" ON "model_exports" USING btree ("checkpoint_id","created_at");--> statement-breakpoint
CREATE INDEX "model_exports_claimable_idx" ON "model_exports" USING btree ("state","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "model_exports_live_idx" ON "model_exports" USING btree ("checkpoint_id","format","half") WHERE state <> 'FAILED';--> statement-breakpoint
CREATE INDEX "model_import_uploads_team_idx" ON "model_import_uploads" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "model_imports_team_created_idx" ON "model_imports" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "model_imports_claimable_idx" ON "model_imports" USING btree ("state","created_at");--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_share_id_shares_id_fk" FOREIGN KEY ("share_id") REFERENCES "public"."shares"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_type" CHECK ("run_events"."type" in ('RunStateChanged','StageStarted','LossLogged','SampleSaved','CheckpointSaved','EvaluationUpdated'));