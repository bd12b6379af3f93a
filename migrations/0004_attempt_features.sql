ALTER TABLE "attempts" ADD COLUMN "features" real[];--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "feature_version" text;