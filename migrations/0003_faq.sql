CREATE TABLE `faq_gaps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` text NOT NULL,
	`text` text NOT NULL,
	`tokens` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `faq_gaps_at` ON `faq_gaps` (`at`);