CREATE TABLE `job_registry` (
	`job_key` text PRIMARY KEY NOT NULL,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`job_key` text NOT NULL,
	`fire_at` integer NOT NULL,
	`status` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`finished_at` integer,
	`error` text,
	PRIMARY KEY(`job_key`, `fire_at`)
);
