-- Rate-limit buckets (api/src/limits/, docs/security-rate-limits.md): UNLOGGED (no WAL; a crash only
-- refills every bucket) with room on each page for HOT updates (one update per check, no indexed column changes).
CREATE UNLOGGED TABLE "rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"full_at" timestamp with time zone NOT NULL
) WITH (fillfactor = 70);
--> statement-breakpoint
CREATE INDEX "runs_team_unfinished_idx" ON "runs" USING btree ("team_id") WHERE "runs"."state" in ('QUEUED', 'RUNNING');--> statement-breakpoint
CREATE INDEX "generations_team_unfinished_idx" ON "generations" USING btree ("team_id") WHERE "generations"."state" in ('QUEUED', 'RUNNING');--> statement-breakpoint
-- rate_take: takes from several token buckets at once, all or nothing, in one statement (PostgreSQL's
-- clock, so every API replica agrees). Bucket i holds at most caps[i] tokens, refills rates[i] per second
-- (> 0), and is granted when it holds at least needs[i] tokens; then costs[i] are taken from it (a cost
-- of 0 only looks; a negative cost gives tokens back, up to the cap). Either every bucket is granted and
-- charged, or none is charged. Callers pass the keys sorted, so concurrent calls lock rows in one order.
-- retry_after_ms: how long until bucket i holds needs[i] tokens (0 when it does now).
CREATE FUNCTION "rate_take"(p_keys text[], p_caps double precision[], p_rates double precision[], p_costs double precision[], p_needs double precision[])
RETURNS TABLE (bucket text, granted boolean, remaining double precision, retry_after_ms bigint)
LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz := clock_timestamp();
  n int := coalesce(array_length(p_keys, 1), 0);
  avail double precision[] := '{}';
  ok boolean := true;
  cur_tokens double precision;
  cur_at timestamptz;
  left_tokens double precision;
BEGIN
  FOR i IN 1..n LOOP
    INSERT INTO rate_buckets AS b (key, tokens, updated_at, full_at) VALUES (p_keys[i], p_caps[i], t, t) ON CONFLICT (key) DO NOTHING;
    SELECT b.tokens, b.updated_at INTO cur_tokens, cur_at FROM rate_buckets AS b WHERE b.key = p_keys[i] FOR UPDATE;
    IF NOT FOUND THEN cur_tokens := p_caps[i]; cur_at := t; END IF; -- swept in between: a full bucket
    avail[i] := least(p_caps[i], cur_tokens + greatest(0, extract(epoch FROM t - cur_at)) * p_rates[i]);
    IF avail[i] + 1e-9 < p_needs[i] THEN ok := false; END IF; -- 1e-9: refills add up in floating point
  END LOOP;
  FOR i IN 1..n LOOP
    left_tokens := CASE WHEN ok THEN least(p_caps[i], avail[i] - p_costs[i]) ELSE avail[i] END;
    INSERT INTO rate_buckets AS b (key, tokens, updated_at, full_at)
      VALUES (p_keys[i], left_tokens, t, t + make_interval(secs => greatest(0, p_caps[i] - left_tokens) / p_rates[i]))
      ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at, full_at = excluded.full_at;
    bucket := p_keys[i];
    granted := ok;
    remaining := left_tokens;
    retry_after_ms := CASE WHEN avail[i] + 1e-9 >= p_needs[i] THEN 0 ELSE ceil((p_needs[i] - avail[i]) / p_rates[i] * 1000)::bigint END;
    RETURN NEXT;
  END LOOP;
END
$$;
