CREATE TYPE "public"."team_role" AS ENUM('OWNER', 'MEMBER', 'VIEWER');--> statement-breakpoint
CREATE TYPE "public"."run_method" AS ENUM('TWO_STAGE', 'DREAMBOOTH', 'TEXTUAL_INVERSION');--> statement-breakpoint
CREATE TYPE "public"."run_state" AS ENUM('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED');--> statement-breakpoint
CREATE TYPE "public"."generation_state" AS ENUM('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_name_length" CHECK (char_length("api_keys"."name") between 1 and 100),
	CONSTRAINT "api_keys_hash_format" CHECK ("api_keys"."secret_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"team_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "team_role" DEFAULT 'MEMBER' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_team_id_user_id_pk" PRIMARY KEY("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_name_length" CHECK (char_length("users"."name") between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "subject_images" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"object_key" text NOT NULL,
	"display_key" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subject_images_dims" CHECK ("subject_images"."width" > 0 and "subject_images"."height" > 0),
	CONSTRAINT "subject_images_sha256" CHECK ("subject_images"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"object_key" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uploads_content_type" CHECK ("uploads"."content_type" in ('image/jpeg', 'image/png', 'image/webp')),
	CONSTRAINT "uploads_byte_size" CHECK ("uploads"."byte_size" between 1 and 26214400)
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"step" integer NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"files" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkpoints_sha256" CHECK ("checkpoints"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "checkpoints_size" CHECK ("checkpoints"."size_bytes" > 0)
);
--> statement-breakpoint
CREATE TABLE "loss_points" (
	"run_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"step" integer NOT NULL,
	"loss" double precision NOT NULL,
	"learning_rate" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loss_points_run_id_stage_step_pk" PRIMARY KEY("run_id","stage","step"),
	CONSTRAINT "loss_points_step" CHECK ("loss_points"."step" > 0)
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_events_run_id_seq_pk" PRIMARY KEY("run_id","seq"),
	CONSTRAINT "run_events_seq_positive" CHECK ("run_events"."seq" > 0),
	CONSTRAINT "run_events_type" CHECK ("run_events"."type" in ('RunStateChanged','StageStarted','LossLogged','SampleSaved','CheckpointSaved'))
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"created_by" uuid,
	"method" "run_method" NOT NULL,
	"base_model" text NOT NULL,
	"config" jsonb NOT NULL,
	"state" "run_state" DEFAULT 'QUEUED' NOT NULL,
	"stage" text,
	"step" integer DEFAULT 0 NOT NULL,
	"total_steps" integer NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"cancel_requested_at" timestamp with time zone,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"last_event_seq" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"log_tail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "runs_step_range" CHECK ("runs"."step" >= 0 and "runs"."total_steps" > 0),
	CONSTRAINT "runs_lease_when_running" CHECK ("runs"."state" <> 'RUNNING' or ("runs"."lease_owner" is not null and "runs"."lease_expires_at" is not null)),
	CONSTRAINT "runs_finished_when_final" CHECK (("runs"."state" in ('SUCCEEDED','FAILED','CANCELED')) = ("runs"."finished_at" is not null)),
	CONSTRAINT "runs_error_when_failed" CHECK ("runs"."state" <> 'FAILED' or "runs"."error_code" is not null),
	CONSTRAINT "runs_base_model" CHECK (char_length("runs"."base_model") between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "samples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"step" integer NOT NULL,
	"prompt_index" integer NOT NULL,
	"prompt" text NOT NULL,
	"seed" bigint NOT NULL,
	"object_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "generations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"checkpoint_id" uuid NOT NULL,
	"created_by" uuid,
	"prompt" text NOT NULL,
	"negative_prompt" text,
	"seed" bigint NOT NULL,
	"steps" integer NOT NULL,
	"guidance_scale" double precision NOT NULL,
	"count" integer NOT NULL,
	"state" "generation_state" DEFAULT 'QUEUED' NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"attempt" integer DEFAULT 0 NOT NULL,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "generations_prompt_length" CHECK (char_length("generations"."prompt") between 1 and 2000),
	CONSTRAINT "generations_steps" CHECK ("generations"."steps" between 1 and 200),
	CONSTRAINT "generations_count" CHECK ("generations"."count" between 1 and 16),
	CONSTRAINT "generations_guidance" CHECK ("generations"."guidance_scale" between 0 and 50)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_images" ADD CONSTRAINT "subject_images_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_images" ADD CONSTRAINT "subject_images_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loss_points" ADD CONSTRAINT "loss_points_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "samples" ADD CONSTRAINT "samples_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "samples" ADD CONSTRAINT "samples_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_checkpoint_id_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."checkpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash_idx" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "api_keys_team_idx" ON "api_keys" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_idx" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "subject_images_subject_idx" ON "subject_images" USING btree ("subject_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subject_images_object_key_idx" ON "subject_images" USING btree ("object_key");--> statement-breakpoint
CREATE UNIQUE INDEX "uploads_object_key_idx" ON "uploads" USING btree ("object_key");--> statement-breakpoint
CREATE UNIQUE INDEX "checkpoints_run_stage_step_idx" ON "checkpoints" USING btree ("run_id","stage","step");--> statement-breakpoint
CREATE INDEX "checkpoints_team_idx" ON "checkpoints" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "runs_team_created_idx" ON "runs" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_subject_idx" ON "runs" USING btree ("subject_id");--> statement-breakpoint
CREATE INDEX "runs_claimable_idx" ON "runs" USING btree ("state","lease_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "samples_unique_idx" ON "samples" USING btree ("run_id","stage","step","prompt_index","seed");--> statement-breakpoint
CREATE INDEX "generations_checkpoint_idx" ON "generations" USING btree ("checkpoint_id","created_at");--> statement-breakpoint
CREATE INDEX "generations_claimable_idx" ON "generations" USING btree ("state","created_at");