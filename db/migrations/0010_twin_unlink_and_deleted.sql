ALTER TABLE `connections` ADD `on_twin_deleted` text DEFAULT 'ignore' NOT NULL;--> statement-breakpoint
ALTER TABLE `twin_links` ADD `unlinked_at` integer;--> statement-breakpoint
ALTER TABLE `twin_links` ADD `unlinked_reason` text;