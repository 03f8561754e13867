CREATE TABLE "import_job_part" (
	"job_id" text NOT NULL,
	"part" integer NOT NULL,
	"content" text NOT NULL,
	"hash" text NOT NULL,
	"rows" integer NOT NULL,
	"lines" integer NOT NULL,
	"first_line" integer NOT NULL,
	"bytes" integer NOT NULL,
	CONSTRAINT "import_job_part_job_id_part_pk" PRIMARY KEY("job_id","part")
);
--> statement-breakpoint
ALTER TABLE "import_job_part" ADD CONSTRAINT "import_job_part_job_id_import_job_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_job"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Unfinished jobs keep their file as part 0 (a one-request import is a one-part job). A running
-- job's rows were counted at its start; a queued job's are counted here as non-blank lines (the
-- CSV header aside), which only a CSV with line breaks inside quoted cells overcounts.
INSERT INTO "import_job_part" ("job_id", "part", "content", "hash", "rows", "lines", "first_line", "bytes")
SELECT
	j."id",
	0,
	j."content",
	encode(sha256(convert_to(j."content", 'UTF8')), 'hex'),
	CASE WHEN j."status" = 'running' THEN j."total_rows" ELSE greatest(
		(SELECT count(*) FROM regexp_split_to_table(j."content", E'\n') AS l WHERE btrim(l, E' \t\r') <> '')::integer
			- CASE WHEN j."format" = 'csv' THEN 1 ELSE 0 END,
		0
	) END,
	CASE WHEN j."content" = '' THEN 0 ELSE
		length(j."content") - length(replace(j."content", E'\n', ''))
			+ CASE WHEN right(j."content", 1) = E'\n' THEN 0 ELSE 1 END
	END,
	1,
	octet_length(j."content")
FROM "import_job" AS j
WHERE j."status" IN ('queued', 'running') AND j."content" IS NOT NULL;--> statement-breakpoint
UPDATE "import_job" SET "total_rows" = p."rows" FROM "import_job_part" AS p
WHERE p."job_id" = "import_job"."id" AND "import_job"."status" = 'queued';--> statement-breakpoint
ALTER TABLE "import_job" DROP COLUMN "content";