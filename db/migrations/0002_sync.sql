CREATE TABLE `change_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`entity_id` text NOT NULL,
	`reason` text NOT NULL,
	`force` integer DEFAULT false NOT NULL,
	`queued_at` integer NOT NULL,
	`not_before` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `change_queue_entity_idx` ON `change_queue` (`connection_id`,`entity_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`entity_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_unique` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_connection_status_idx` ON `outbox` (`connection_id`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `rule_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`version` integer NOT NULL,
	`outgoing` text NOT NULL,
	`incoming` text NOT NULL,
	`status` text NOT NULL,
	`author` text NOT NULL,
	`approver` text,
	`note` text DEFAULT '' NOT NULL,
	`requested_at` integer,
	`decided_at` integer,
	`published_at` integer,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rule_versions_connection_version_idx` ON `rule_versions` (`connection_id`,`version`);--> statement-breakpoint
CREATE TABLE `sync_errors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`direction` text NOT NULL,
	`entity_id` text,
	`entity_key` text,
	`impact` text NOT NULL,
	`type` text NOT NULL,
	`message` text NOT NULL,
	`line` integer,
	`column` integer,
	`retries` integer DEFAULT 0 NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sync_errors_connection_idx` ON `sync_errors` (`connection_id`,`resolved_at`);--> statement-breakpoint
CREATE TABLE `sync_state` (
	`connection_id` text PRIMARY KEY NOT NULL,
	`poll_cursor` text,
	`pull_after` integer DEFAULT 0 NOT NULL,
	`failing_since` integer,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`next_send_at` integer,
	`pull_mode` text,
	`trigger_poll_due` integer DEFAULT false NOT NULL,
	`last_trigger_poll_at` integer,
	`last_failure` text,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `triggers` (
	`id` text PRIMARY KEY NOT NULL,
	`connection_id` text NOT NULL,
	`entity_type` text NOT NULL,
	`query` text NOT NULL,
	`active` integer NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`poll_cursor` text,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `triggers_connection_idx` ON `triggers` (`connection_id`);--> statement-breakpoint
CREATE TABLE `twin_links` (
	`connection_id` text NOT NULL,
	`local_entity_id` text NOT NULL,
	`local_key` text,
	`remote_entity_id` text,
	`last_sent_hash` text,
	`last_sent_replica` text,
	`last_applied_hash` text,
	`last_applied_replica` text,
	`comment_map` text NOT NULL,
	`attachment_map` text NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`connection_id`, `local_entity_id`),
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `twin_links_remote_idx` ON `twin_links` (`connection_id`,`remote_entity_id`);--> statement-breakpoint
CREATE TABLE `webhook_secrets` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`secret_enc` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `inbox` ADD `state` text DEFAULT 'received' NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox` ADD `remote_entity_id` text;--> statement-breakpoint
ALTER TABLE `inbox` ADD `apply_marker` text;--> statement-breakpoint
ALTER TABLE `inbox` ADD `apply_started_at` integer;--> statement-breakpoint
ALTER TABLE `inbox` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox` ADD `next_attempt_at` integer;--> statement-breakpoint
CREATE INDEX `inbox_pending_idx` ON `inbox` (`connection_id`,`applied_at`,`id`);