-- Live revocation (issue #20): every change to who a key is (revoked, deleted, scopes or experiments changed)
-- is published on the events channel by PostgreSQL itself, inside the writing transaction, whoever writes it
-- (the server's revokeApiKey, `npm run keys revoke`, or SQL by hand). Each server LISTENs and ends the key's
-- WebSocket sessions when the change commits. last_used_at updates are not changes of access and say nothing.
CREATE FUNCTION "runboard_api_key_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k api_keys;
BEGIN
  IF TG_OP = 'DELETE' THEN k := OLD; ELSE k := NEW; END IF;
  PERFORM pg_notify('runboard_events', json_build_object(
    'type', 'key', 'keyId', k.id, 'prefix', k.prefix,
    'ended', TG_OP = 'DELETE' OR k.revoked_at IS NOT NULL)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "api_keys_changed" AFTER UPDATE ON "api_keys" FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.scopes IS DISTINCT FROM NEW.scopes
    OR OLD.experiments IS DISTINCT FROM NEW.experiments OR OLD.hash IS DISTINCT FROM NEW.hash)
  EXECUTE FUNCTION "runboard_api_key_changed"();

CREATE TRIGGER "api_keys_deleted" AFTER DELETE ON "api_keys" FOR EACH ROW
  EXECUTE FUNCTION "runboard_api_key_changed"();
