CREATE TABLE "usage_totals" (
	"user_id" uuid NOT NULL,
	"period" text NOT NULL,
	"starts_on" date NOT NULL,
	"tokens" bigint DEFAULT 0 NOT NULL,
	"usd" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_totals_user_id_period_starts_on_pk" PRIMARY KEY("user_id","period","starts_on"),
	CONSTRAINT "usage_totals_period_check" CHECK ("usage_totals"."period" in ('day', 'month'))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "spent_usd" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_totals" ADD CONSTRAINT "usage_totals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Adds the usage events of one statement to their users' day and month totals and their keys'
-- spend. Statement-level, over the statement's new rows: a bulk insert updates each total once.
-- Rows are taken in key order, so concurrent inserts lock the totals they share in one order.
CREATE FUNCTION usage_totals_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_totals AS t (user_id, period, starts_on, tokens, usd)
    SELECT e.user_id, p.period, p.starts_on, sum(e.prompt_tokens::bigint + e.completion_tokens), sum(e.cost_usd)
    FROM added e
    CROSS JOIN LATERAL (VALUES
      ('day', (e.created_at AT TIME ZONE 'UTC')::date),
      ('month', date_trunc('month', e.created_at AT TIME ZONE 'UTC')::date)
    ) AS p(period, starts_on)
    WHERE e.user_id IS NOT NULL
    GROUP BY e.user_id, p.period, p.starts_on
    ORDER BY e.user_id, p.period, p.starts_on
  ON CONFLICT (user_id, period, starts_on) DO UPDATE SET tokens = t.tokens + excluded.tokens, usd = t.usd + excluded.usd;
  -- Calls of models without a price spend nothing: their key's row is left alone.
  UPDATE api_keys k SET spent_usd = k.spent_usd + s.usd
    FROM (
      SELECT e.api_key_id, sum(e.cost_usd) AS usd FROM added e
      WHERE e.api_key_id IS NOT NULL GROUP BY e.api_key_id HAVING sum(e.cost_usd) <> 0 ORDER BY e.api_key_id
    ) s
    WHERE k.id = s.api_key_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Created before the totals are filled in: it locks usage_events against writes until this
-- migration commits, so every event is counted once, by the fill below or by the trigger.
CREATE TRIGGER usage_events_totals AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION usage_totals_add();
--> statement-breakpoint
INSERT INTO usage_totals (user_id, period, starts_on, tokens, usd)
  SELECT e.user_id, p.period, p.starts_on, sum(e.prompt_tokens::bigint + e.completion_tokens), sum(e.cost_usd)
  FROM usage_events e
  CROSS JOIN LATERAL (VALUES
    ('day', (e.created_at AT TIME ZONE 'UTC')::date),
    ('month', date_trunc('month', e.created_at AT TIME ZONE 'UTC')::date)
  ) AS p(period, starts_on)
  WHERE e.user_id IS NOT NULL
  GROUP BY e.user_id, p.period, p.starts_on;
--> statement-breakpoint
UPDATE api_keys k SET spent_usd = s.usd
  FROM (SELECT e.api_key_id, sum(e.cost_usd) AS usd FROM usage_events e WHERE e.api_key_id IS NOT NULL GROUP BY e.api_key_id) s
  WHERE k.id = s.api_key_id;
--> statement-breakpoint
-- Holds a model call's cost against its caller's budgets, or says which budget refuses it, in
-- one statement. Calls of one user are admitted one at a time on every instance (a per-user
-- lock), each reading its user's running totals (usage_totals, api_keys.spent_usd) and live
-- holds, which are few: the same cost whatever the number of usage events. A call is admitted
-- when its worst case fits in every budget. When it does not, it may still run alone (nothing
-- else of the user's in flight) if its prompt fits, holding what is left: so the end of a
-- budget can be used, and only one call, the last, can go past it, by no more than the
-- difference between its hold and its real usage.
-- The totals and the holds are read in one statement, so from one snapshot: a call whose usage
-- is recorded and whose hold is released in one statement is seen as held or as spent, never
-- as neither. (Recorded first and released after, it is briefly seen as both: on the safe side.)
CREATE OR REPLACE FUNCTION budget_reserve(
  p_hold_id uuid, p_user_id uuid, p_api_key_id uuid,
  p_day_start timestamptz, p_month_start timestamptz, p_expires_at timestamptz,
  p_need_tokens integer, p_worst_tokens integer,
  p_need_usd double precision, p_worst_usd double precision,
  p_daily_tokens bigint, p_tier_monthly_usd double precision
) RETURNS TABLE(refused text, used double precision, limit_value double precision)
LANGUAGE plpgsql AS $$
DECLARE
  v_day date := (p_day_start AT TIME ZONE 'UTC')::date;
  v_month date := (p_month_start AT TIME ZONE 'UTC')::date;
  v_day_tokens bigint;
  v_month_usd double precision;
  v_held_tokens bigint;
  v_held_usd double precision;
  v_key_held double precision;
  v_in_flight integer;
  v_month_limit double precision;
  v_key_limit double precision;
  v_key_usd double precision;
  v_room double precision;
  v_tokens integer := p_worst_tokens;
  v_usd double precision := p_worst_usd;
BEGIN
  -- A hold is coordination, not a record: it is visible to every other check as soon as this
  -- commits, and the usage event that replaces it is committed durably. So its commit does not
  -- wait for the disk: the call's time to first token is one flush shorter. The price: a crash
  -- of the database itself can lose the holds of calls then in flight, so until those calls
  -- record their usage, their user's budgets do not count them.
  PERFORM set_config('synchronous_commit', 'off', true);
  PERFORM pg_advisory_xact_lock(hashtextextended('parley.budget:' || p_user_id::text, 0));
  -- Holds of calls whose process died lapse; they go with the next call of their user.
  DELETE FROM budget_holds h WHERE h.user_id = p_user_id AND h.expires_at <= now();
  -- Periods that start later than the caller's are counted too (an event stamped by a clock
  -- ahead of the caller's), as when the events themselves were summed.
  SELECT coalesce(u.monthly_budget_usd, p_tier_monthly_usd), k.budget_usd, k.spent_usd,
         (SELECT coalesce(sum(t.tokens), 0) FROM usage_totals t WHERE t.user_id = p_user_id AND t.period = 'day' AND t.starts_on >= v_day),
         (SELECT coalesce(sum(t.usd), 0) FROM usage_totals t WHERE t.user_id = p_user_id AND t.period = 'month' AND t.starts_on >= v_month),
         held.tokens, held.usd, held.key_usd, held.calls
    INTO v_month_limit, v_key_limit, v_key_usd, v_day_tokens, v_month_usd, v_held_tokens, v_held_usd, v_key_held, v_in_flight
    FROM users u
    LEFT JOIN api_keys k ON k.id = p_api_key_id
    CROSS JOIN (
      SELECT coalesce(sum(h.tokens), 0) AS tokens, coalesce(sum(h.usd), 0) AS usd,
             coalesce(sum(h.usd) FILTER (WHERE h.api_key_id = p_api_key_id), 0) AS key_usd, count(*)::integer AS calls
      FROM budget_holds h WHERE h.user_id = p_user_id AND h.expires_at > now()
    ) held
    WHERE u.id = p_user_id;

  IF p_daily_tokens IS NOT NULL THEN
    v_room := p_daily_tokens - v_day_tokens - v_held_tokens;
    IF v_room < p_need_tokens OR (v_room < p_worst_tokens AND v_in_flight > 0) THEN
      RETURN QUERY SELECT 'daily_tokens'::text, (v_day_tokens + v_held_tokens)::double precision, p_daily_tokens::double precision;
      RETURN;
    END IF;
    v_tokens := least(v_tokens, v_room)::integer;
  END IF;

  -- Spend limits gate priced calls only: a call of a model without a price spends nothing.
  IF v_month_limit IS NOT NULL AND p_worst_usd > 0 THEN
    v_room := v_month_limit - v_month_usd - v_held_usd;
    IF v_room <= 0 OR v_room < p_need_usd OR (v_room < p_worst_usd AND v_in_flight > 0) THEN
      RETURN QUERY SELECT 'monthly_usd'::text, v_month_usd + v_held_usd, v_month_limit;
      RETURN;
    END IF;
    v_usd := least(v_usd, v_room);
  END IF;

  IF v_key_limit IS NOT NULL AND p_worst_usd > 0 THEN
    v_key_usd := v_key_usd + v_key_held;
    v_room := v_key_limit - v_key_usd;
    IF v_room <= 0 OR v_room < p_need_usd OR (v_room < p_worst_usd AND v_in_flight > 0) THEN
      RETURN QUERY SELECT 'api_key_usd'::text, v_key_usd, v_key_limit;
      RETURN;
    END IF;
    v_usd := least(v_usd, v_room);
  END IF;

  INSERT INTO budget_holds (id, user_id, api_key_id, tokens, usd, expires_at)
    VALUES (p_hold_id, p_user_id, p_api_key_id, v_tokens, v_usd, p_expires_at);
  RETURN QUERY SELECT NULL::text, NULL::double precision, NULL::double precision;
END $$;
