ALTER TABLE `tickets` ADD `first_response_breached_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_breached_at` integer;