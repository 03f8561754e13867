-- Keeps profile_identity_key equal to profile.identity_keys (a generated column), for every
-- write path including bulk inserts: statement triggers with transition tables, so a batch
-- insert costs one extra INSERT … SELECT, and an update touches the table only for profiles
-- whose keys changed. Deletes cascade through the foreign key.
CREATE FUNCTION profile_identity_key_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM profile_identity_key k
      USING old_rows o JOIN new_rows n ON n.id = o.id
      WHERE k.profile_id = o.id AND o.identity_keys IS DISTINCT FROM n.identity_keys;
    INSERT INTO profile_identity_key (key, profile_id)
      SELECT DISTINCT u.key, n.id
      FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(n.identity_keys) AS u(key)
      WHERE o.identity_keys IS DISTINCT FROM n.identity_keys
      ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO profile_identity_key (key, profile_id)
      SELECT DISTINCT u.key, n.id FROM new_rows n, unnest(n.identity_keys) AS u(key)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER profile_identity_key_insert AFTER INSERT ON profile
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION profile_identity_key_sync();
--> statement-breakpoint
CREATE TRIGGER profile_identity_key_update AFTER UPDATE ON profile
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION profile_identity_key_sync();
--> statement-breakpoint
INSERT INTO profile_identity_key (key, profile_id)
  SELECT DISTINCT u.key, p.id FROM profile p, unnest(p.identity_keys) AS u(key)
  ON CONFLICT DO NOTHING;
