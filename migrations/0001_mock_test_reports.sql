CREATE TABLE "mock_test_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"learner_id" text NOT NULL,
	"course" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"stop_reason" text NOT NULL,
	"theta" double precision NOT NULL,
	"se" double precision NOT NULL,
	"score" integer NOT NULL,
	"items_answered" integer NOT NULL,
	"report" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mock_test_reports" ADD CONSTRAINT "mock_test_reports_learner_id_learners_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."learners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mock_test_reports_learner_idx" ON "mock_test_reports" USING btree ("learner_id","finished_at");