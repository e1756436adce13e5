CREATE TABLE `slack_request_signatures` (
	`signature` text PRIMARY KEY NOT NULL,
	`request_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slack_request_signatures_request_at_idx` ON `slack_request_signatures` (`request_at`);