CREATE TABLE "segment" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"condition" jsonb NOT NULL,
	"purpose" text,
	"version" integer DEFAULT 1 NOT NULL,
	"computed_version" integer,
	"created_by" text NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segment_membership" (
	"profile_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"since" timestamp(6) with time zone NOT NULL,
	CONSTRAINT "segment_membership_profile_id_segment_id_pk" PRIMARY KEY("profile_id","segment_id")
);
--> statement-breakpoint
CREATE TABLE "segment_membership_event" (
	"id" bigserial NOT NULL,
	"profile_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp(6) with time zone NOT NULL,
	"source" text NOT NULL,
	"request_id" text,
	CONSTRAINT "segment_membership_event_profile_id_id_pk" PRIMARY KEY("profile_id","id")
);
--> statement-breakpoint
CREATE TABLE "saved_view" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" text NOT NULL,
	"shared" boolean DEFAULT false NOT NULL,
	"query" jsonb NOT NULL,
	"columns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "segment_membership" ADD CONSTRAINT "segment_membership_profile_id_profile_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profile"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_membership" ADD CONSTRAINT "segment_membership_segment_id_segment_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segment"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_membership_event" ADD CONSTRAINT "segment_membership_event_profile_id_profile_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profile"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "segment_membership_segment_idx" ON "segment_membership" USING btree ("segment_id","profile_id");--> statement-breakpoint
CREATE INDEX "segment_membership_event_profile_idx" ON "segment_membership_event" USING btree ("profile_id","at","id");--> statement-breakpoint
CREATE INDEX "segment_membership_event_segment_idx" ON "segment_membership_event" USING btree ("segment_id","at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "saved_view_owner_name_idx" ON "saved_view" USING btree ("owner_id","name");--> statement-breakpoint
CREATE INDEX "saved_view_shared_idx" ON "saved_view" USING btree ("shared");--> statement-breakpoint
CREATE INDEX "profile_segments_gin_idx" ON "profile" USING gin ("segments" jsonb_path_ops);