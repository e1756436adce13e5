CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `connections` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`role` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`local_short_name` text NOT NULL,
	`remote_short_name` text NOT NULL,
	`mode` text NOT NULL,
	`status` text NOT NULL,
	`remote_url` text,
	`remote_node_url` text,
	`remote_connection_id` text,
	`remote_platform` text,
	`remote_is_private` integer DEFAULT false NOT NULL,
	`incoming_project_id` text,
	`incoming_project_name` text,
	`key_enc` text,
	`entities_under_sync` integer DEFAULT 0 NOT NULL,
	`last_sync_entity` text,
	`last_sync_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `connections_instance_idx` ON `connections` (`instance_id`);--> statement-breakpoint
CREATE TABLE `inbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`entity_key` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`applied_at` integer,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_connection_key_idx` ON `inbox` (`connection_id`,`idempotency_key`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`platform` text NOT NULL,
	`base_url` text NOT NULL,
	`credentials_enc` text NOT NULL,
	`public` integer NOT NULL,
	`license_kind` text NOT NULL,
	`license_until` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instances_slug_unique` ON `instances` (`slug`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`connection_id` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`bound_destination` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `node_request_ids` (
	`connection_id` text NOT NULL,
	`request_id` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`connection_id`, `request_id`)
);
--> statement-breakpoint
CREATE INDEX `node_request_ids_at_idx` ON `node_request_ids` (`at`);--> statement-breakpoint
CREATE TABLE `status_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `status_events_connection_idx` ON `status_events` (`connection_id`,`id`);