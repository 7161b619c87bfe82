ALTER TABLE "model_import_uploads" ADD COLUMN "s3_upload_id" text;--> statement-breakpoint
ALTER TABLE "model_import_uploads" ADD COLUMN "part_bytes" bigint;