CREATE TABLE "profile_identity_key" (
	"key" text NOT NULL,
	"profile_id" text NOT NULL,
	CONSTRAINT "profile_identity_key_key_profile_id_pk" PRIMARY KEY("key","profile_id")
);
--> statement-breakpoint
DROP INDEX "profile_identity_keys_gin_idx";--> statement-breakpoint
ALTER TABLE "profile_identity_key" ADD CONSTRAINT "profile_identity_key_profile_id_profile_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profile"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "profile_identity_key_profile_idx" ON "profile_identity_key" USING btree ("profile_id");