CREATE TABLE "rate_pauses" (
	"key" text PRIMARY KEY NOT NULL,
	"until" bigint NOT NULL
);
