ALTER TABLE "checkpoints" ADD COLUMN "content_hash" text;--> statement-breakpoint
ALTER TABLE "checkpoints" ADD COLUMN "training_state" jsonb;--> statement-breakpoint
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_content_hash" CHECK ("checkpoints"."content_hash" is null or "checkpoints"."content_hash" ~ '^[0-9a-f]{64}$');