CREATE TABLE "consent_event" (
	"id" bigserial NOT NULL,
	"profile_id" text NOT NULL,
	"type_id" text NOT NULL,
	"action" text NOT NULL,
	"legal_basis" text,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"policy_version" text,
	"reason" text,
	"at" timestamp(6) with time zone NOT NULL,
	"expires_at" timestamp(6) with time zone,
	"proof" jsonb,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consent_event_profile_id_id_pk" PRIMARY KEY("profile_id","id")
);
--> statement-breakpoint
CREATE TABLE "consent_type" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"purpose" text NOT NULL,
	"revokable" boolean DEFAULT true NOT NULL,
	"default_value" text DEFAULT 'deny' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"required" boolean DEFAULT false NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"auto_revoke" text,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp(6) with time zone
);
--> statement-breakpoint
ALTER TABLE "consent_event" ADD CONSTRAINT "consent_event_type_id_consent_type_id_fk" FOREIGN KEY ("type_id") REFERENCES "public"."consent_type"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consent_event_profile_type_at_idx" ON "consent_event" USING btree ("profile_id","type_id","at");--> statement-breakpoint
CREATE INDEX "consent_event_type_idx" ON "consent_event" USING btree ("type_id");