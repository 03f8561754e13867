CREATE TABLE "suppression" (
	"hash" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"lifted_at" timestamp(6) with time zone,
	"lifted_by" text
);
