CREATE TABLE `xurrent_webhook_policies` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`algorithm` text NOT NULL,
	`audience` text,
	`key_enc` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
