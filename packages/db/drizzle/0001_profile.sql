CREATE TABLE "profile" (
	"id" text PRIMARY KEY NOT NULL,
	"primary_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"inserted_at" timestamp(6) with time zone NOT NULL,
	"created_at" timestamp(6) with time zone,
	"updated_at" timestamp(6) with time zone,
	"segmented_at" timestamp(6) with time zone,
	"visit_last" timestamp(6) with time zone,
	"visit_current" timestamp(6) with time zone,
	"visit_count" integer DEFAULT 0 NOT NULL,
	"visit_tz" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"stats" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"traits" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"interests" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"consents" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"segments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"aux" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"email" text GENERATED ALWAYS AS (lower(data #>> '{contact,email,main}')) STORED,
	"phone" text GENERATED ALWAYS AS (data #>> '{contact,phone,main}') STORED,
	"firstname" text GENERATED ALWAYS AS (data #>> '{pii,firstname}') STORED,
	"lastname" text GENERATED ALWAYS AS (data #>> '{pii,lastname}') STORED,
	"display_name" text GENERATED ALWAYS AS (coalesce(nullif(data #>> '{pii,display_name}', ''), nullif(trim(coalesce(data #>> '{pii,firstname}', '') || ' ' || coalesce(data #>> '{pii,lastname}', '')), ''))) STORED,
	"country" text GENERATED ALWAYS AS (data #>> '{contact,address,country}') STORED,
	"visits" integer GENERATED ALWAYS AS (coalesce((stats ->> 'visits')::integer, 0)) STORED,
	"views" integer GENERATED ALWAYS AS (coalesce((stats ->> 'views')::integer, 0)) STORED,
	"search_text" text GENERATED ALWAYS AS (lower(coalesce(data #>> '{pii,firstname}', '') || ' ' || coalesce(data #>> '{pii,lastname}', '') || ' ' || coalesce(data #>> '{pii,display_name}', '') || ' ' || coalesce(data #>> '{contact,email,main}', '') || ' ' || coalesce(data #>> '{contact,email,business}', '') || ' ' || coalesce(data #>> '{contact,phone,main}', '') || ' ' || coalesce(data #>> '{contact,phone,mobile}', ''))) STORED
);
--> statement-breakpoint
CREATE TABLE "profile_identifier" (
	"type" text NOT NULL,
	"value" text NOT NULL,
	"profile_id" text NOT NULL,
	CONSTRAINT "profile_identifier_type_value_pk" PRIMARY KEY("type","value")
);
--> statement-breakpoint
ALTER TABLE "profile_identifier" ADD CONSTRAINT "profile_identifier_profile_id_profile_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profile"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "profile_inserted_at_idx" ON "profile" USING btree ("inserted_at","id");--> statement-breakpoint
CREATE INDEX "profile_updated_at_idx" ON "profile" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "profile_visit_last_idx" ON "profile" USING btree ("visit_last","id");--> statement-breakpoint
CREATE INDEX "profile_email_idx" ON "profile" USING btree ("email","id");--> statement-breakpoint
CREATE INDEX "profile_phone_idx" ON "profile" USING btree ("phone","id");--> statement-breakpoint
CREATE INDEX "profile_lastname_idx" ON "profile" USING btree ("lastname","id");--> statement-breakpoint
CREATE INDEX "profile_display_name_idx" ON "profile" USING btree ("display_name","id");--> statement-breakpoint
CREATE INDEX "profile_country_idx" ON "profile" USING btree ("country","id");--> statement-breakpoint
CREATE INDEX "profile_visits_idx" ON "profile" USING btree ("visits","id");--> statement-breakpoint
CREATE INDEX "profile_views_idx" ON "profile" USING btree ("views","id");--> statement-breakpoint
CREATE INDEX "profile_search_trgm_idx" ON "profile" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "profile_ids_gin_idx" ON "profile" USING gin ("ids" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "profile_identifier_profile_idx" ON "profile_identifier" USING btree ("profile_id");