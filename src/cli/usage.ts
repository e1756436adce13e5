import { suggest } from '../domain/suggest.ts';

/**
 * The usage text of every `deskbridge` command, in one place. This module imports nothing of the service, so
 * `deskbridge --help` and `deskbridge <command> --help` answer without loading it.
 */

export const commandUsage = {
  instances: `deskbridge instances add --platform freshdesk|freshservice|xurrent --url HELPDESK_URL --name NAME
                          [--api-key KEY | --token TOKEN --account ACCOUNT] [--slug SLUG] [--private]
                          [--license evaluation|paid|expired] [--evaluation-days N]
                          (the key or token may also come from HELPDESK_API_KEY / HELPDESK_TOKEN)
deskbridge instances list
deskbridge instances projects <instance>
deskbridge instances webhook <instance>   (the URL, secret and template for the helpdesk's webhook rule)
deskbridge instances webhook <instance> --policy-alg rs256|es256|hs256|... --policy-key FILE [--policy-audience AUD]
                             (Xurrent: check webhooks against a webhook policy; --no-policy goes back to the secret)
deskbridge instances check <instance>     (pre-flight against the helpdesk: credentials, required fields, webhook,
                                           rate limit, incoming projects; exit 1 when a problem is found)
deskbridge instances remove <instance>`,
  connections: `deskbridge connections initiate --instance SLUG (--destination INSTANCE_URL | --private) --mode basic|script
                               --local-name SHORT --remote-name SHORT --name NAME [--description TEXT] [--project ID]
deskbridge connections accept --instance SLUG --code CODE [--project ID]
deskbridge connections list [--instance SLUG]
deskbridge connections edit <connection> [--name NAME] [--description TEXT]
deskbridge connections set <connection> --link-note on|off [--instance SLUG]
deskbridge connections set <connection> --on-twin-deleted ignore|close|note [--instance SLUG]
deskbridge connections deactivate|activate <connection> [--instance SLUG]
deskbridge connections delete <connection> --yes [--instance SLUG]`,
  rules: `deskbridge rules check FILE
deskbridge rules run --script FILE --entity ENTITY.json [--replica REPLICA.json] [--first-sync]
                     [--direction outgoing|incoming] [--platform freshdesk|freshservice|xurrent]
deskbridge rules publish <connection> --outgoing FILE --incoming FILE [--note TEXT] [--instance SLUG]
    (operator override: publishes without an approval in chat; recorded in the audit log as rules.publish.override)
deskbridge rules assist <connection> --prompt TEXT [--direction outgoing|incoming|both] [--entity KEY ...]
                        [--insert] [--instance SLUG]
    (AI Assist: a script from the AI, parsed and test-run before it is shown as a diff; --insert makes it a draft)`,
  approvals: `deskbridge approvals list [--connection X]
deskbridge approvals approve <request-id>
deskbridge approvals reject <request-id> --reason TEXT
    (operator override: decides without an approver in chat; recorded in the audit log as rules.approve.override)`,
  triggers: `deskbridge triggers add <connection> --query QUERY [--entity-type TYPE] [--notes TEXT] [--inactive]
                        [--instance SLUG]
deskbridge triggers list <connection> [--instance SLUG]
deskbridge triggers edit <trigger-id> [--query QUERY] [--notes TEXT]
deskbridge triggers activate|deactivate|delete <trigger-id>`,
  errors: `deskbridge errors list <connection> [--all] [--instance SLUG]
deskbridge errors retry|resolve <error-id>`,
  sync: `deskbridge sync bulk <connection> [--force] [--no-wait] [--instance SLUG]`,
  entities: `deskbridge entities show <connection> <key> [--instance SLUG]
    (one ticket: under sync or not, its twin, last sync each way, what waits for it, what blocks it, which triggers
     select it)
deskbridge entities connect <connection> --local KEY --remote KEY [--dry-run] [--instance SLUG]
deskbridge entities connect <connection> --csv FILE [--dry-run]
    (link tickets that exist on both sides; nothing is created. CSV: local,remote per line, a header allowed,
     at most 512 KiB and 5000 pairs)
deskbridge entities connect <connection> --match subject|field:<custom field> [--dry-run]
    (pairs found by subject, or by a custom field holding the other side's key; the 200 latest tickets each side)
deskbridge entities unlink <connection> <key> [--instance SLUG]
    (stop syncing one pair on both sides; neither ticket is deleted)`,
  queue: `deskbridge queue <connection> [--limit N] [--instance SLUG]
    (per stage on this node: how many wait and the oldest's age, what the other node last took, the slowest items)
deskbridge queue <connection> --retry-now
    (what waits on a backoff is tried again now; items blocked by a sync error wait for errors retry)`,
  audit: `deskbridge audit [--connection X] [--limit N] [--json]`,
  simulator: `deskbridge simulator freshdesk|freshservice|xurrent [--port N] [--seed FILE] [--rate-limit PER_MINUTE]
                     [--webhook URL [--webhook-secret SECRET]]
    (--webhook: the simulator posts its changes there, as the helpdesk's webhook would: Freshdesk/Freshservice an
     automation rule sending SECRET in the x-deskbridge-secret header, Xurrent webhooks for request.create,
     request.update and request.note-added with ?secret=SECRET; deskbridge instances webhook prints both)`,
  local: `deskbridge local ticket "SUMMARY" [--priority 1-4]   (local mode: a ticket in the simulated Freshdesk)`,
  backup: `deskbridge backup FILE [--force] [--with-key]
    (an online copy of the database, safe while the service runs; the master key stays out of it unless --with-key
     copies it to FILE.key: then the two files together are as secret as the key)`,
  restore: `deskbridge restore FILE
    (with the service stopped: checks FILE, then puts it in place of the database, keeping the old one as
     deskbridge.db.before-restore-<time>; the next start migrates it forward; FILE.key is used when there is no key)`,
} as const;

export type CommandName = keyof typeof commandUsage;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commandUsage, name);
}

const footer = `A <connection> is its name or its id (6 characters of the id are enough when they fit one connection);
--instance SLUG picks among connections of the same name on this node.
Add --json to any command for JSON output. The CLI works on the service's data dir (DESKBRIDGE_DATA_DIR,
default ./data) with the same environment as the service.
"deskbridge help <command>" or "deskbridge <command> --help" shows one command.`;

export const fullUsage = `DeskBridge: connect helpdesks across companies and keep tickets in sync.

Usage:
${Object.values(commandUsage).join('\n')}

${footer}`;

/** One command's usage, as `deskbridge <command> --help` prints it. */
export function usageOf(command: CommandName): string {
  return `Usage:\n${commandUsage[command]}`;
}

/** What follows an unknown command: the commands there are, and where the whole usage is. */
export const briefUsage = `Commands: ${Object.keys(commandUsage).join(', ')}.
"deskbridge help <command>" shows one command; "deskbridge --help" shows them all.`;

/** The words a command takes first (`connections list`, `simulator xurrent`), read from its usage lines. */
export function subcommandsOf(command: CommandName): string[] {
  const words = new Set<string>();
  for (const line of commandUsage[command].split('\n')) {
    const first = new RegExp(`^deskbridge ${command} ([a-z][a-z|-]*)(?:\\s|$)`).exec(line)?.[1];
    for (const word of first?.split('|') ?? []) words.add(word);
  }
  return [...words];
}

/** ` Did you mean "connections"?` for a near miss, or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const [closest] = suggest(word, candidates);
  return closest ? ` Did you mean "${closest}"?` : '';
}
