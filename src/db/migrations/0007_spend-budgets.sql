CREATE TABLE "budget_holds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"api_key_id" uuid,
	"tokens" integer NOT NULL,
	"usd" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "budget_usd" double precision;--> statement-breakpoint
ALTER TABLE "usage_events" ADD COLUMN "api_key_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "monthly_budget_usd" double precision;--> statement-breakpoint
ALTER TABLE "budget_holds" ADD CONSTRAINT "budget_holds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_holds" ADD CONSTRAINT "budget_holds_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "budget_holds_user_idx" ON "budget_holds" USING btree ("user_id","expires_at");--> statement-breakpoint
CREATE INDEX "budget_holds_expires_idx" ON "budget_holds" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_events_api_key_idx" ON "usage_events" USING btree ("api_key_id") WHERE "usage_events"."api_key_id" is not null;--> statement-breakpoint
-- Holds a model call's cost against its caller's budgets, or says which budget refuses it,
-- in one statement: the caller's usage and live holds are summed and the hold written under a
-- per-user lock, so concurrent calls on any instance are admitted one at a time. A call is
-- admitted when its worst case fits in every budget. When it does not, it may still run alone
-- (nothing else of the user's in flight) if its prompt fits, holding what is left: so the end
-- of a budget can be used, and only one call, the last, can go past it, by no more than the
-- difference between its hold and its real usage.
CREATE FUNCTION budget_reserve(
  p_hold_id uuid, p_user_id uuid, p_api_key_id uuid,
  p_day_start timestamptz, p_month_start timestamptz, p_expires_at timestamptz,
  p_need_tokens integer, p_worst_tokens integer,
  p_need_usd double precision, p_worst_usd double precision,
  p_daily_tokens bigint, p_tier_monthly_usd double precision
) RETURNS TABLE(refused text, used double precision, limit_value double precision)
LANGUAGE plpgsql AS $$
DECLARE
  v_day_tokens bigint;
  v_month_usd double precision;
  v_held_tokens bigint;
  v_held_usd double precision;
  v_month_limit double precision;
  v_key_limit double precision;
  v_key_usd double precision;
  v_room double precision;
  v_tokens integer := p_worst_tokens;
  v_usd double precision := p_worst_usd;
  v_in_flight integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('parley.budget:' || p_user_id::text, 0));
  -- Holds of calls whose process died lapse; they go with the next call of their user.
  DELETE FROM budget_holds h WHERE h.user_id = p_user_id AND h.expires_at <= now();
  SELECT coalesce(u.monthly_budget_usd, p_tier_monthly_usd) INTO v_month_limit FROM users u WHERE u.id = p_user_id;
  SELECT coalesce(sum(e.prompt_tokens + e.completion_tokens) FILTER (WHERE e.created_at >= p_day_start), 0),
         coalesce(sum(e.cost_usd) FILTER (WHERE e.created_at >= p_month_start), 0)
    INTO v_day_tokens, v_month_usd
    -- The month is read only when a spend limit needs it: without one, today's events are enough.
    FROM usage_events e WHERE e.user_id = p_user_id AND e.created_at >= CASE
      WHEN v_month_limit IS NOT NULL AND p_worst_usd > 0 THEN least(p_day_start, p_month_start) ELSE p_day_start END;
  SELECT coalesce(sum(h.tokens), 0), coalesce(sum(h.usd), 0), count(*) INTO v_held_tokens, v_held_usd, v_in_flight
    FROM budget_holds h WHERE h.user_id = p_user_id AND h.expires_at > now();

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

  IF p_api_key_id IS NOT NULL AND p_worst_usd > 0 THEN
    SELECT k.budget_usd INTO v_key_limit FROM api_keys k WHERE k.id = p_api_key_id;
    IF v_key_limit IS NOT NULL THEN
      SELECT coalesce(sum(e.cost_usd), 0) INTO v_key_usd FROM usage_events e WHERE e.api_key_id = p_api_key_id;
      SELECT v_key_usd + coalesce(sum(h.usd), 0) INTO v_key_usd FROM budget_holds h WHERE h.api_key_id = p_api_key_id AND h.expires_at > now();
      v_room := v_key_limit - v_key_usd;
      IF v_room <= 0 OR v_room < p_need_usd OR (v_room < p_worst_usd AND v_in_flight > 0) THEN
        RETURN QUERY SELECT 'api_key_usd'::text, v_key_usd, v_key_limit;
        RETURN;
      END IF;
      v_usd := least(v_usd, v_room);
    END IF;
  END IF;

  INSERT INTO budget_holds (id, user_id, api_key_id, tokens, usd, expires_at)
    VALUES (p_hold_id, p_user_id, p_api_key_id, v_tokens, v_usd, p_expires_at);
  RETURN QUERY SELECT NULL::text, NULL::double precision, NULL::double precision;
END $$;
