CREATE TABLE `approval_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`connection_id` text NOT NULL,
	`rule_version_id` integer NOT NULL,
	`base_version` integer NOT NULL,
	`requested_by` text NOT NULL,
	`requester_platform` text,
	`requester_tenant_id` text,
	`requester_user_id` text,
	`test_run` text,
	`card_platform` text,
	`card_channel_id` text,
	`card_message_ref` text,
	`decision` text,
	`decided_by` text,
	`reason` text,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`rule_version_id`) REFERENCES `rule_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approval_requests_version_idx` ON `approval_requests` (`rule_version_id`);--> statement-breakpoint
CREATE INDEX `approval_requests_connection_idx` ON `approval_requests` (`connection_id`);--> statement-breakpoint
CREATE TABLE `approval_settings` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`channel_platform` text,
	`channel_tenant_id` text,
	`channel_id` text,
	`self_approval` integer DEFAULT false NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `approvers` (
	`instance_id` text NOT NULL,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`added_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`instance_id`, `platform`, `tenant_id`, `user_id`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rule_test_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`scripts_key` text NOT NULL,
	`actor` text NOT NULL,
	`summary` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rule_test_runs_scripts_idx` ON `rule_test_runs` (`connection_id`,`scripts_key`);--> statement-breakpoint
CREATE TABLE `rule_uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rule_uploads_user_idx` ON `rule_uploads` (`platform`,`tenant_id`,`user_id`);