CREATE TABLE "calibration_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"items" integer NOT NULL,
	"calibrated" integer NOT NULL,
	"config" jsonb NOT NULL,
	"exposure" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "item_calibrations" (
	"version" integer NOT NULL,
	"item_id" text NOT NULL,
	"difficulty" double precision NOT NULL,
	"discrimination" double precision NOT NULL,
	"guessing" double precision NOT NULL,
	"responses" integer NOT NULL,
	"se_difficulty" double precision NOT NULL,
	"status" text NOT NULL,
	CONSTRAINT "item_calibrations_version_item_id_pk" PRIMARY KEY("version","item_id")
);
--> statement-breakpoint
CREATE TABLE "item_stat_deltas" (
	"id" text PRIMARY KEY NOT NULL,
	"shard" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "item_calibrations" ADD CONSTRAINT "item_calibrations_version_calibration_versions_version_fk" FOREIGN KEY ("version") REFERENCES "public"."calibration_versions"("version") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_calibrations" ADD CONSTRAINT "item_calibrations_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "item_calibrations_item_idx" ON "item_calibrations" USING btree ("item_id","version");--> statement-breakpoint
CREATE INDEX "item_stat_deltas_shard_idx" ON "item_stat_deltas" USING btree ("shard","created_at");