CREATE TABLE `chat_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`scope` text NOT NULL,
	`connection_id` text,
	`digest` integer DEFAULT false NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_subscriptions_scope_idx` ON `chat_subscriptions` (`platform`,`channel_id`,`instance_id`,`scope`);--> statement-breakpoint
CREATE INDEX `chat_subscriptions_instance_idx` ON `chat_subscriptions` (`instance_id`);--> statement-breakpoint
CREATE TABLE `connection_health` (
	`connection_id` text PRIMARY KEY NOT NULL,
	`failed_checks` integer DEFAULT 0 NOT NULL,
	`failing_since` integer,
	`last_problem` text,
	`last_check_at` integer NOT NULL,
	`last_ok_at` integer,
	`remote_status` text,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notification_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`kind` text NOT NULL,
	`status_event_id` integer,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`message` text NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_outbox_dedupe_key_unique` ON `notification_outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `notification_outbox_queue_idx` ON `notification_outbox` (`state`,`platform`,`channel_id`,`id`);--> statement-breakpoint
CREATE TABLE `poller_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `poller_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL,
	`acquired_at` integer NOT NULL
);
