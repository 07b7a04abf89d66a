CREATE TABLE `chat_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`parts` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `chat_outbox_status_id` ON `chat_outbox` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `members` (
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`name` text NOT NULL,
	`joined_at` integer,
	`left_at` integer,
	`last_seen_at` integer,
	`message_count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`room_id`, `member_id`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`text` text NOT NULL,
	`mentions_bot` integer NOT NULL,
	`sent_at` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_room_received` ON `messages` (`room_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `messages_received` ON `messages` (`received_at`);--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`topic` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
