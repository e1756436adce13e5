CREATE TABLE `teams_conversations` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`team_id` text,
	`name` text,
	`channel_type` text,
	`user_aad_object_id` text,
	`reference` text NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `teams_conversations_tenant_idx` ON `teams_conversations` (`tenant_id`,`kind`);--> statement-breakpoint
CREATE INDEX `teams_conversations_user_idx` ON `teams_conversations` (`tenant_id`,`user_aad_object_id`);--> statement-breakpoint
CREATE TABLE `teams_form_views` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`form_enc` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `teams_form_views_expires_idx` ON `teams_form_views` (`expires_at`);--> statement-breakpoint
CREATE TABLE `teams_users` (
	`tenant_id` text NOT NULL,
	`aad_object_id` text NOT NULL,
	`mri` text NOT NULL,
	`name` text NOT NULL,
	`tenant_admin` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `aad_object_id`)
);
--> statement-breakpoint
CREATE INDEX `teams_users_mri_idx` ON `teams_users` (`mri`);