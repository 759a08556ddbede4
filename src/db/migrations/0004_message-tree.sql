CREATE TABLE "shares" (
	"id" text PRIMARY KEY NOT NULL,
	"conversation_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "pinned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "active_leaf_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shares" ADD CONSTRAINT "shares_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shares_conversation_idx" ON "shares" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "conversations_user_pinned_idx" ON "conversations" USING btree ("user_id","pinned_at" DESC NULLS LAST) WHERE "conversations"."pinned_at" is not null;--> statement-breakpoint
CREATE INDEX "conversations_tags_idx" ON "conversations" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "messages_parent_idx" ON "messages" USING btree ("parent_id");--> statement-breakpoint
-- Existing conversations become single paths: each message follows the one before it. Messages
-- deleted on their own stay off the path; those deleted with their conversation stay on it, so
-- an admin's restore brings back the whole path.
UPDATE "messages" AS m SET "parent_id" = p."prev"
FROM (
  SELECT x."id", lag(x."id") OVER (PARTITION BY x."conversation_id" ORDER BY x."created_at", x."id") AS "prev"
  FROM "messages" AS x JOIN "conversations" AS c ON c."id" = x."conversation_id"
  WHERE x."deleted_at" IS NULL OR x."deleted_at" = c."deleted_at"
) AS p
WHERE m."id" = p."id";
--> statement-breakpoint
UPDATE "conversations" AS c SET "active_leaf_id" = l."id"
FROM (
  SELECT DISTINCT ON (x."conversation_id") x."conversation_id", x."id"
  FROM "messages" AS x JOIN "conversations" AS k ON k."id" = x."conversation_id"
  WHERE x."deleted_at" IS NULL OR x."deleted_at" = k."deleted_at"
  ORDER BY x."conversation_id", x."created_at" DESC, x."id" DESC
) AS l
WHERE c."id" = l."conversation_id";
