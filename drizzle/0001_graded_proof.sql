ALTER TABLE "artifacts" ADD COLUMN "proof" jsonb;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "called_at" bigint;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "ack" jsonb;