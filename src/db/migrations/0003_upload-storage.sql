CREATE TABLE "file_parts" (
	"file_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "file_parts_file_id_seq_pk" PRIMARY KEY("file_id","seq")
);
--> statement-breakpoint
ALTER TABLE "file_parts" ADD CONSTRAINT "file_parts_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Written by hand (Drizzle cannot express SET STORAGE): out of line and uncompressed. PDFs are
-- compressed already, and compressing megabytes of text in one statement stalled the embedded database.
ALTER TABLE "file_parts" ALTER COLUMN "data" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "extracted_text" SET STORAGE EXTERNAL;--> statement-breakpoint
-- Files stored before this migration keep their bytes as a single part.
INSERT INTO "file_parts" ("file_id", "seq", "data") SELECT "id", 0, "data" FROM "files";--> statement-breakpoint
ALTER TABLE "files" DROP COLUMN "data";--> statement-breakpoint
-- The same index as WITH (fastupdate=false) without rebuilding it; entries already pending stay searchable.
ALTER INDEX "file_chunks_search_idx" SET (fastupdate = false);
