CREATE TABLE `checkins` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`day` text NOT NULL,
	`day_number` integer NOT NULL,
	`streak` integer NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `checkins_room_day` ON `checkins` (`room_id`,`day_number`);--> statement-breakpoint
CREATE TABLE `member_tags` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`tag` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `tag`)
);
--> statement-breakpoint
CREATE TABLE `points_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`delta` integer NOT NULL,
	`reason` text NOT NULL,
	`actor` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `points_ledger_member` ON `points_ledger` (`room_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `poll_votes` (
	`poll_id` integer NOT NULL,
	`member_id` text NOT NULL,
	`option` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`poll_id`, `member_id`),
	FOREIGN KEY (`poll_id`) REFERENCES `polls`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `polls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`topic_id` text NOT NULL,
	`fired_at` integer NOT NULL,
	`closes_at` integer NOT NULL,
	`closed_at` integer,
	`options` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `polls_fire` ON `polls` (`room_id`,`topic_id`,`fired_at`);--> statement-breakpoint
CREATE INDEX `polls_open` ON `polls` (`closed_at`,`closes_at`);--> statement-breakpoint
CREATE TABLE `sop_newcomers` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`name` text NOT NULL,
	`sop_name` text NOT NULL,
	`joined_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`status` text NOT NULL,
	`completed_at` integer,
	PRIMARY KEY(`room_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `sop_newcomers_status` ON `sop_newcomers` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `sop_reminders_sent` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`reminder` integer NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `reminder`)
);
--> statement-breakpoint
CREATE TABLE `sop_task_completions` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`task_id` text NOT NULL,
	`done_at` integer NOT NULL,
	`via` text NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `task_id`)
);
--> statement-breakpoint
CREATE TABLE `sop_welcomes` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`name` text NOT NULL,
	`joined_at` integer NOT NULL,
	`welcomed_at` integer,
	`suppressed` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `joined_at`)
);
--> statement-breakpoint
CREATE INDEX `sop_welcomes_pending` ON `sop_welcomes` (`welcomed_at`);