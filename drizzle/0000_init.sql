CREATE TABLE "artifacts" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"record_version" integer DEFAULT 1 NOT NULL,
	"connector" text NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"label" text NOT NULL,
	"status" text NOT NULL,
	"tier" text,
	"action" text,
	"revocable" boolean DEFAULT true NOT NULL,
	"source" text DEFAULT 'discovered' NOT NULL,
	"subject_id" text,
	"issued_at" bigint,
	"expires_at" bigint,
	"depends_on" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_enc" text,
	"secret_hash" text,
	"verdict_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exceptions" (
	"incident_id" text NOT NULL,
	"artifact_id" text NOT NULL,
	"record" jsonb NOT NULL,
	CONSTRAINT "exceptions_incident_id_artifact_id_pk" PRIMARY KEY("incident_id","artifact_id")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"record_version" integer DEFAULT 1 NOT NULL,
	"state" text NOT NULL,
	"subject_type" text NOT NULL,
	"handle" text NOT NULL,
	"subject" jsonb NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"opened_by" text NOT NULL,
	"opened_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"closed_at" bigint,
	"contained_at" bigint,
	"executors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"plan" jsonb,
	"ledger_seq" integer DEFAULT 0 NOT NULL,
	"ledger_head" text
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"incident_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"hash" text NOT NULL,
	"entry" jsonb NOT NULL,
	CONSTRAINT "ledger_entries_incident_id_seq_pk" PRIMARY KEY("incident_id","seq")
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_windows" (
	"key" text NOT NULL,
	"window_start" bigint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "rate_windows_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE TABLE "signoffs" (
	"incident_id" text NOT NULL,
	"role" text NOT NULL,
	"person" text NOT NULL,
	"at" bigint NOT NULL,
	"record" jsonb NOT NULL,
	CONSTRAINT "signoffs_incident_id_role_person_pk" PRIMARY KEY("incident_id","role","person")
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"artifact_id" text NOT NULL,
	"type" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"actor" text NOT NULL,
	"result" jsonb,
	"deadline_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exceptions" ADD CONSTRAINT "exceptions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exceptions" ADD CONSTRAINT "exceptions_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_identity_idx" ON "artifacts" USING btree ("incident_id","connector","kind","external_id");--> statement-breakpoint
CREATE INDEX "artifacts_incident_status_idx" ON "artifacts" USING btree ("incident_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "steps_idempotency_idx" ON "steps" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "steps_incident_state_idx" ON "steps" USING btree ("incident_id","state");