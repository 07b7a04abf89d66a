CREATE TABLE `media_files` (
	`message_id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`bytes` blob NOT NULL,
	`stored_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `ticket_events` ADD `message_id` text;