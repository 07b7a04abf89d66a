ALTER TABLE `messages` ADD `kind` text DEFAULT 'text' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_name` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_size` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `recalled_at` integer;