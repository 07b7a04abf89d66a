DROP INDEX `messages_room_received`;--> statement-breakpoint
CREATE INDEX `messages_room_received_sender` ON `messages` (`room_id`,`received_at`,`sender_id`);