-- drizzle-kit does not emit CREATE EXTENSION; the trigram search index needs pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
