ALTER TABLE "import_job" ADD COLUMN "last_line" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_job" ADD COLUMN "principal" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "import_job_active_content_idx" ON "import_job" USING btree ("content_hash") WHERE "import_job"."status" in ('queued', 'running');