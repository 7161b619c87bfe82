CREATE TYPE "public"."evaluation_protocol" AS ENUM('QUICK', 'DIVERSE', 'SIMPLE');--> statement-breakpoint
CREATE TYPE "public"."evaluation_state" AS ENUM('QUEUED', 'GENERATING', 'SCORING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
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
ALTER TABLE "run_events" DROP CONSTRAINT "run_events_type";--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_checkpoint_id_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."checkpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_checkpoint_idx" ON "evaluations" USING btree ("checkpoint_id","created_at");--> statement-breakpoint
CREATE INDEX "evaluations_run_idx" ON "evaluations" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "evaluations_claimable_idx" ON "evaluations" USING btree ("state","lease_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluations_automatic_idx" ON "evaluations" USING btree ("checkpoint_id","protocol") WHERE "evaluations"."automatic";--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_type" CHECK ("run_events"."type" in ('RunStateChanged','StageStarted','LossLogged','SampleSaved','CheckpointSaved','EvaluationUpdated'));