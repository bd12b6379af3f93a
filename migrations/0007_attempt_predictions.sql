ALTER TABLE "attempts" ADD COLUMN "p_model" double precision;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "p_knowledge" double precision;