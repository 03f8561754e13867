-- Keys Citus can enforce (docs/scaling.md): unique keys of distributed tables include their
-- distribution column, and profile_identifier (sharded by value) has no key into profile.
ALTER TABLE "profile_identifier" DROP CONSTRAINT "profile_identifier_profile_id_profile_id_fk";--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_pkey";--> statement-breakpoint
ALTER TABLE "profile_merge" DROP CONSTRAINT "profile_merge_pkey";--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_entity_id_id_pk" PRIMARY KEY("entity_id","id");--> statement-breakpoint
ALTER TABLE "profile_merge" ADD CONSTRAINT "profile_merge_into_id_id_pk" PRIMARY KEY("into_id","id");--> statement-breakpoint
CREATE INDEX "profile_merge_id_idx" ON "profile_merge" USING btree ("id");
