ALTER TABLE "generations" ADD COLUMN "steps_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "width" integer;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "height" integer;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "scheduler" text DEFAULT 'DDIM' NOT NULL;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_size" CHECK (("generations"."width" is null or ("generations"."width" between 64 and 1024 and "generations"."width" % 8 = 0)) and ("generations"."height" is null or ("generations"."height" between 64 and 1024 and "generations"."height" % 8 = 0)));--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_scheduler" CHECK ("generations"."scheduler" in ('DDIM', 'DPM_SOLVER', 'EULER_ANCESTRAL'));