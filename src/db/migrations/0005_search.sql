-- Written by hand (drizzle-kit cannot express functions): the distinct pairs of adjacent
-- characters in each run of CJK characters (kana, CJK ideographs, Hangul syllables), as a tsvector.
-- English full-text search does not segment these scripts and pg_trgm's treatment of them depends
-- on the database locale; pairs work on every locale and find any substring of two or more
-- characters (each of its pairs is indexed, and a LIKE recheck confirms the order).
CREATE FUNCTION search_cjk_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(m[1], i, 2))), ''::tsvector)
  FROM regexp_matches(t, '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{2,})', 'g') AS m,
    generate_series(1, char_length(m[1]) - 1) AS i
$$;--> statement-breakpoint
CREATE INDEX "conversations_title_search_idx" ON "conversations" USING gin (to_tsvector('english', coalesce("title", ''))) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "conversations_title_cjk_idx" ON "conversations" USING gin (search_cjk_bigrams(coalesce("title", ''))) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin (to_tsvector('english', "content")) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "messages_cjk_idx" ON "messages" USING gin (search_cjk_bigrams("content")) WITH (fastupdate=false);