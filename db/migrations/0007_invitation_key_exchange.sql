CREATE TABLE `pending_acceptances` (
	`acceptor_connection_id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`initiator_connection_id` text NOT NULL,
	`public_key` text NOT NULL,
	`mac_key_enc` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
