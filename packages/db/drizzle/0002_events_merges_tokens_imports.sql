CREATE TABLE "event" (
	"profile_id" text NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"time" timestamp(6) with time zone NOT NULL,
	"session_id" text,
	"source" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"received_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_profile_id_id_pk" PRIMARY KEY("profile_id","id")
);
--> statement-breakpoint
CREATE TABLE "import_job" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"format" text NOT NULL,
	"file_name" text,
	"content_hash" text NOT NULL,
	"content" text,
	"mapping" jsonb,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"processed_rows" integer DEFAULT 0 NOT NULL,
	"inserted" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"message" text,
	"created_by" text NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp(6) with time zone,
	"finished_at" timestamp(6) with time zone
);
--> statement-breakpoint
CREATE TABLE "profile_merge" (
	"id" text PRIMARY KEY NOT NULL,
	"into_id" text NOT NULL,
	"from_ids" jsonb NOT NULL,
	"decisions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"snapshots" jsonb NOT NULL,
	"result_version" integer NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp(6) with time zone,
	"undone_by" text
);
--> statement-breakpoint
CREATE TABLE "service_token" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp(6) with time zone,
	"expires_at" timestamp(6) with time zone,
	"revoked_at" timestamp(6) with time zone
);
--> statement-breakpoint
ALTER TABLE "profile" ADD COLUMN "session_id" text;--> statement-breakpoint
CREATE INDEX "event_profile_time_idx" ON "event" USING btree ("profile_id","time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "event_type_time_idx" ON "event" USING btree ("type","time");--> statement-breakpoint
CREATE INDEX "import_job_created_idx" ON "import_job" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "profile_merge_into_idx" ON "profile_merge" USING btree ("into_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "service_token_secret_hash_idx" ON "service_token" USING btree ("secret_hash");