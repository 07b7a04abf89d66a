CREATE TABLE `bans` (
	`list` text NOT NULL,
	`member_id` text NOT NULL,
	`member_name` text,
	`reason` text NOT NULL,
	`added_by` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`list`, `member_id`)
);
--> statement-breakpoint
CREATE TABLE `moderation_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`member_name` text NOT NULL,
	`rule` text NOT NULL,
	`action` text NOT NULL,
	`evidence` text NOT NULL,
	`message_id` text,
	`at` integer NOT NULL,
	`undone_at` integer,
	`undone_by` text
);
--> statement-breakpoint
CREATE INDEX `moderation_actions_member` ON `moderation_actions` (`room_id`,`member_id`,`at`);--> statement-breakpoint
CREATE INDEX `moderation_actions_at` ON `moderation_actions` (`at`);--> statement-breakpoint
CREATE TABLE `room_markers` (
	`room_id` text NOT NULL,
	`marker` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `marker`)
);
