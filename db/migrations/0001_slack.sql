CREATE TABLE `chat_admins` (
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`added_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`platform`, `tenant_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `chat_installations` (
	`platform` text NOT NULL,
	`install_key` text NOT NULL,
	`installation_enc` text NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`platform`, `install_key`)
);
--> statement-breakpoint
CREATE TABLE `chat_wizards` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`state_enc` text NOT NULL,
	`expires_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chat_wizards_expires_idx` ON `chat_wizards` (`expires_at`);--> statement-breakpoint
CREATE TABLE `chat_workspaces` (
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`linked_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`platform`, `tenant_id`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_workspaces_instance_idx` ON `chat_workspaces` (`instance_id`);--> statement-breakpoint
CREATE TABLE `invitation_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`connection_id` text NOT NULL,
	`platform` text NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`message_ref` text NOT NULL,
	`posted_by` text NOT NULL,
	`partner_tenant_ids` text NOT NULL,
	`code_enc` text NOT NULL,
	`accepted_by` text,
	`accepted_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `invitation_messages_connection_idx` ON `invitation_messages` (`connection_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `invitation_messages_ref_idx` ON `invitation_messages` (`platform`,`channel_id`,`message_ref`);