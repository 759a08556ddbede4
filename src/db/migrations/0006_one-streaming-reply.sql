-- Before the unique index: a conversation holding several `streaming` replies (possible before
-- it, across instances) keeps only its newest one streaming; the others were cut short.
UPDATE "messages" SET "status" = 'incomplete', "metadata" = "metadata" || '{"stop_reason":"interrupted"}'::jsonb
WHERE "status" = 'streaming' AND "id" NOT IN (
  SELECT DISTINCT ON ("conversation_id") "id" FROM "messages" WHERE "status" = 'streaming'
  ORDER BY "conversation_id", "created_at" DESC, "id" DESC
);--> statement-breakpoint
DROP INDEX "messages_streaming_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_one_streaming_reply_idx" ON "messages" USING btree ("conversation_id") WHERE "messages"."status" = 'streaming';
