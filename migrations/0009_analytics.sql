CREATE TABLE `activity_days` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`day` integer NOT NULL,
	`messages` integer NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `faq_outcomes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`outcome` text NOT NULL,
	`entry_id` text,
	`at` integer NOT NULL,
	`day` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `faq_outcomes_day` ON `faq_outcomes` (`day`,`room_id`,`outcome`,`entry_id`);--> statement-breakpoint
CREATE TABLE `member_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`day` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `member_events_day` ON `member_events` (`day`,`room_id`);--> statement-breakpoint
CREATE INDEX `member_events_member` ON `member_events` (`room_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `room_days` (
	`room_id` text NOT NULL,
	`day` integer NOT NULL,
	`messages` integer NOT NULL,
	`active_members` integer NOT NULL,
	PRIMARY KEY(`room_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `room_days_day` ON `room_days` (`day`);--> statement-breakpoint
CREATE INDEX `checkins_day` ON `checkins` (`day_number`,`room_id`,`member_id`,`streak`);--> statement-breakpoint
CREATE INDEX `points_ledger_at` ON `points_ledger` (`at`,`room_id`,`delta`);