CREATE TABLE "attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"learner_id" text NOT NULL,
	"client_attempt_id" text NOT NULL,
	"seq" integer NOT NULL,
	"item_id" text NOT NULL,
	"skill_ids" text[] NOT NULL,
	"mode" text NOT NULL,
	"mock_test_id" text,
	"correct" boolean NOT NULL,
	"response" jsonb NOT NULL,
	"response_ms" integer NOT NULL,
	"served_at" timestamp with time zone,
	"answered_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" text PRIMARY KEY NOT NULL,
	"primary_skill_id" text NOT NULL,
	"skill_ids" text[] NOT NULL,
	"prompt" text NOT NULL,
	"choices" jsonb,
	"answer" jsonb NOT NULL,
	"explanation" text NOT NULL,
	"difficulty" real NOT NULL,
	"discrimination" real DEFAULT 1 NOT NULL,
	"guessing" real DEFAULT 0 NOT NULL,
	"calibrated" boolean DEFAULT false NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, prompt)) STORED NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learner_skill_states" (
	"learner_id" text NOT NULL,
	"skill_id" text NOT NULL,
	"theta" double precision NOT NULL,
	"variance" double precision NOT NULL,
	"attempts" integer NOT NULL,
	"correct" integer NOT NULL,
	"mastered" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "learner_skill_states_learner_id_skill_id_pk" PRIMARY KEY("learner_id","skill_id")
);
--> statement-breakpoint
CREATE TABLE "learners" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text,
	"goal_skill_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "skill_prerequisites" (
	"skill_id" text NOT NULL,
	"prerequisite_id" text NOT NULL,
	CONSTRAINT "skill_prerequisites_skill_id_prerequisite_id_pk" PRIMARY KEY("skill_id","prerequisite_id")
);
--> statement-breakpoint
CREATE TABLE "skills" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"strand" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_learner_id_learners_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."learners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_primary_skill_id_skills_id_fk" FOREIGN KEY ("primary_skill_id") REFERENCES "public"."skills"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learner_skill_states" ADD CONSTRAINT "learner_skill_states_learner_id_learners_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."learners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learner_skill_states" ADD CONSTRAINT "learner_skill_states_skill_id_skills_id_fk" FOREIGN KEY ("skill_id") REFERENCES "public"."skills"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skill_prerequisites" ADD CONSTRAINT "skill_prerequisites_skill_id_skills_id_fk" FOREIGN KEY ("skill_id") REFERENCES "public"."skills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skill_prerequisites" ADD CONSTRAINT "skill_prerequisites_prerequisite_id_skills_id_fk" FOREIGN KEY ("prerequisite_id") REFERENCES "public"."skills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_learner_client_idx" ON "attempts" USING btree ("learner_id","client_attempt_id");--> statement-breakpoint
CREATE INDEX "attempts_learner_seq_idx" ON "attempts" USING btree ("learner_id","seq");--> statement-breakpoint
CREATE INDEX "attempts_item_idx" ON "attempts" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search");--> statement-breakpoint
CREATE INDEX "items_skill_ids_idx" ON "items" USING gin ("skill_ids");--> statement-breakpoint
CREATE INDEX "items_primary_skill_idx" ON "items" USING btree ("primary_skill_id");--> statement-breakpoint
CREATE INDEX "skill_prerequisites_prerequisite_idx" ON "skill_prerequisites" USING btree ("prerequisite_id");