CREATE TABLE "data_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"learner_id" text NOT NULL,
	"kind" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"details" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "data_requests_learner_idx" ON "data_requests" USING btree ("learner_id","requested_at");