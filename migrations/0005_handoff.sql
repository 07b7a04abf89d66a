CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`actor` text,
	`text` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket` ON `ticket_events` (`ticket_id`,`at`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`member_id` text NOT NULL,
	`member_name` text NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`priority` integer NOT NULL,
	`assignee` text,
	`opened_at` integer NOT NULL,
	`first_response_at` integer,
	`resolved_at` integer,
	`rating_asked_at` integer,
	`rating` integer
);
--> statement-breakpoint
CREATE INDEX `tickets_member` ON `tickets` (`room_id`,`member_id`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_status` ON `tickets` (`status`,`opened_at`);