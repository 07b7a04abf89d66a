CREATE TABLE `inbound_webhook_ids` (
	`id` text PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL
);
