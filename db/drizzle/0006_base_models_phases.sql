ALTER TABLE "run_events" DROP CONSTRAINT "run_events_type";--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "base_models" text[];--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_type" CHECK ("run_events"."type" in ('RunStateChanged','StageStarted','LossLogged','SampleSaved','CheckpointSaved','EvaluationUpdated','PhaseChanged'));