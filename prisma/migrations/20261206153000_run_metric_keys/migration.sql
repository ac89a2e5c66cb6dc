-- Issue #20: a run's number of metric keys (its rows in metric_latest), kept on the run so the cost of `Run.metrics`
-- is known the moment a page of runs is listed (the page's own rows carry it), not from a count over metric_latest
-- (a 200k-key run's count probed up to ~12k index entries per refused request, ~10 ms of PostgreSQL CPU).
-- PostgreSQL keeps it, in the writing transaction, whoever writes metric_latest (ingest, group commit, MLflow
-- log-batch, truncate, summary rebuilds, run and experiment deletion): statement-level triggers over the transition
-- tables, so a 10,000-key batch costs one UPDATE of its run, and a statement that inserts no new key (an upsert
-- that only updates, the steady state of logging) one empty UPDATE. Every writer already holds the run row's lock.
ALTER TABLE "runs" ADD COLUMN "metric_keys" INTEGER NOT NULL DEFAULT 0;

UPDATE "runs" r SET "metric_keys" = n.c
  FROM (SELECT "run_id", count(*)::int AS c FROM "metric_latest" GROUP BY "run_id") n
 WHERE r."id" = n."run_id";

CREATE FUNCTION "runboard_metric_keys_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Most statements (a step of keys already logged) insert nothing: no UPDATE to start then.
  IF NOT EXISTS (SELECT FROM added) THEN RETURN NULL; END IF;
  UPDATE runs r SET metric_keys = r.metric_keys + n.c
    FROM (SELECT run_id, count(*)::int AS c FROM added GROUP BY run_id) n
   WHERE r.id = n.run_id;
  RETURN NULL;
END $$;

CREATE FUNCTION "runboard_metric_keys_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE runs r SET metric_keys = r.metric_keys - n.c
    FROM (SELECT run_id, count(*)::int AS c FROM removed GROUP BY run_id) n
   WHERE r.id = n.run_id;
  RETURN NULL;
END $$;

-- An INSERT ... ON CONFLICT DO UPDATE puts only the rows it inserted in the INSERT trigger's transition table.
CREATE TRIGGER "metric_latest_keys_added" AFTER INSERT ON "metric_latest"
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION "runboard_metric_keys_added"();

CREATE TRIGGER "metric_latest_keys_removed" AFTER DELETE ON "metric_latest"
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION "runboard_metric_keys_removed"();
