import { acceptInvitation } from '../app/accept-invitation.ts';
import {
  activateConnection,
  deactivateConnection,
  deleteConnection,
  listConnections,
  setLinkNote,
  setOnTwinDeleted,
  twinDeletedActions,
  type TwinDeletedAction,
  updateConnection,
  type ConnectionListItem,
} from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { initiateConnection } from '../app/initiate-connection.ts';
import { modes, type Mode } from '../domain/connection.ts';
import { UNBOUND_CODE_WARNING } from '../domain/invitation.ts';
import { optionalFlag, parseFlags, requireFlag } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

export async function runConnectionsCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'initiate': {
      const { values } = parseFlags(rest, {
        instance: { type: 'string' },
        destination: { type: 'string' },
        private: { type: 'boolean' },
        mode: { type: 'string' },
        'local-name': { type: 'string' },
        'remote-name': { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        project: { type: 'string' },
      });
      const destination = optionalFlag(values, 'destination');
      if (!destination && !values.private)
        throw new UsageError('Give --destination INSTANCE_URL, or --private when the partner has no URL.');
      if (destination && values.private) throw new UsageError('Give either --destination or --private, not both.');
      const mode = requireFlag(values, 'mode');
      if (!(modes as readonly string[]).includes(mode)) throw new UsageError('--mode must be basic or script.');
      const result = await initiateConnection(deps, {
        instance: requireFlag(values, 'instance'),
        destinationUrl: destination ?? null,
        mode: mode as Mode,
        localShortName: requireFlag(values, 'local-name'),
        remoteShortName: requireFlag(values, 'remote-name'),
        name: requireFlag(values, 'name'),
        description: optionalFlag(values, 'description') ?? '',
        incomingProjectId: optionalFlag(values, 'project'),
        actor,
      });
      if (values.json) {
        printJson(io, { connection: result.connection, code: result.code, expiresAt: result.expiresAt.toISOString() });
      } else {
        io.stdout.write(
          `Connection "${result.connection.name}" is pending (${result.connection.id}).\n` +
            `Send this invitation code to the partner's admin; it expires ${formatDate(result.expiresAt)}:\n\n${result.code}\n` +
            (result.connection.remoteUrl === null ? `\n${UNBOUND_CODE_WARNING}\n` : ''),
        );
      }
      return;
    }
    case 'accept': {
      const { values } = parseFlags(rest, {
        instance: { type: 'string' },
        code: { type: 'string' },
        project: { type: 'string' },
      });
      const connection = await acceptInvitation(deps, {
        instance: requireFlag(values, 'instance'),
        code: requireFlag(values, 'code'),
        incomingProjectId: optionalFlag(values, 'project'),
        actor,
      });
      // Both sides of a connection have an id of their own; say which one this is and where the other one is used.
      const all = listConnections(deps);
      const here = all.find((c) => c.id === connection.id);
      const initiator = all.find((c) => c.id === connection.remoteConnectionId);
      if (values.json) {
        printJson(io, {
          ...connection,
          instanceSlug: here?.instanceSlug,
          initiatorInstanceSlug: initiator?.instanceSlug,
        });
        return;
      }
      const slug = here?.instanceSlug ?? requireFlag(values, 'instance');
      io.stdout.write(
        `Connection "${connection.name}" is active on ${slug}. Its id on ${slug}: ${connection.id}\n` +
          (initiator
            ? `The initiating side, ${initiator.instanceSlug}, is on this node too; its id for the connection: ${initiator.id}\n` +
              `Commands for ${initiator.instanceSlug} (its chat, or --instance ${initiator.instanceSlug}) take that id; commands for ${slug} take this one.\n`
            : connection.remoteConnectionId
              ? `On the initiating side (${connection.remoteUrl ?? 'the other node'}) its id is ${connection.remoteConnectionId}; that side's commands take that one.\n`
              : "The initiating side's admin sees its own id with `deskbridge connections list` or `/bridge list` there.\n"),
      );
      return;
    }
    case 'list': {
      const { values } = parseFlags(rest, { instance: { type: 'string' } });
      const all = listConnections(deps, { instance: optionalFlag(values, 'instance') });
      if (values.json) printJson(io, all);
      else printConnections(io, all);
      return;
    }
    case 'edit': {
      const { values, positionals } = parseFlags(rest, {
        instance: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        mode: { type: 'string' },
      });
      const connection = updateConnection(deps, {
        connection: requirePositional(positionals, 'edit'),
        instance: optionalFlag(values, 'instance'),
        name: optionalFlag(values, 'name'),
        description: typeof values.description === 'string' ? values.description : undefined,
        mode: optionalFlag(values, 'mode') as Mode | undefined,
        actor,
      });
      if (values.json) printJson(io, connection);
      else io.stdout.write(`Updated "${connection.name}".\n`);
      return;
    }
    case 'set': {
      const { values, positionals } = parseFlags(rest, {
        instance: { type: 'string' },
        'link-note': { type: 'string' },
        'on-twin-deleted': { type: 'string' },
      });
      const onTwinDeleted = optionalFlag(values, 'on-twin-deleted');
      if (onTwinDeleted !== undefined && values['link-note'] === undefined) {
        if (!(twinDeletedActions as readonly string[]).includes(onTwinDeleted))
          throw new UsageError(`--on-twin-deleted must be ${twinDeletedActions.join(', ')}.`);
        const result = setOnTwinDeleted(deps, {
          connection: requirePositional(positionals, 'set'),
          instance: optionalFlag(values, 'instance'),
          onTwinDeleted,
          actor,
        });
        if (values.json) printJson(io, result);
        else io.stdout.write(`"${result.name}": ${TWIN_DELETED_SAYS[result.onTwinDeleted]}\n`);
        return;
      }
      if (onTwinDeleted !== undefined) throw new UsageError('Set --link-note or --on-twin-deleted, one at a time.');
      const linkNote = requireFlag(values, 'link-note');
      if (linkNote !== 'on' && linkNote !== 'off') throw new UsageError('--link-note must be on or off.');
      const result = setLinkNote(deps, {
        connection: requirePositional(positionals, 'set'),
        instance: optionalFlag(values, 'instance'),
        linkNote: linkNote === 'on',
        actor,
      });
      if (values.json) printJson(io, result);
      else
        io.stdout.write(
          result.linkNote
            ? `"${result.name}": a ticket synced for the first time gets a private note linking to its twin.\n`
            : `"${result.name}": no link note on tickets synced for the first time.\n`,
        );
      return;
    }
    case 'deactivate':
    case 'activate':
    case 'delete': {
      const { values, positionals } = parseFlags(rest, { instance: { type: 'string' }, yes: { type: 'boolean' } });
      const ref = {
        connection: requirePositional(positionals, sub),
        instance: optionalFlag(values, 'instance'),
        actor,
      };
      if (sub === 'delete' && !values.yes) {
        throw new UsageError('Deleting a connection cannot be undone; run it again with --yes to confirm.');
      }
      const connection =
        sub === 'deactivate'
          ? deactivateConnection(deps, ref)
          : sub === 'activate'
            ? activateConnection(deps, ref)
            : deleteConnection(deps, ref);
      if (values.json) printJson(io, connection);
      else
        io.stdout.write(
          sub === 'delete'
            ? `Deleted "${connection.name}".\n`
            : `Connection "${connection.name}" is ${connection.status}.\n`,
        );
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown connections command "${sub}".` : 'Say what to do with connections.');
  }
}

/** What each on_twin_deleted setting does, as `connections set` confirms it. */
const TWIN_DELETED_SAYS: Record<TwinDeletedAction, string> = {
  ignore: 'when the other side deletes a synced ticket, the pair stops syncing; this side changes nothing.',
  close: 'when the other side deletes a synced ticket, the pair stops syncing and this side closes its ticket.',
  note: 'when the other side deletes a synced ticket, the pair stops syncing and its ticket here gets a private note.',
};

function requirePositional(positionals: string[], sub: string): string {
  const ref = positionals[0];
  if (!ref) throw new UsageError(`Name the connection (its id or name): deskbridge connections ${sub} <connection>.`);
  return ref;
}

function printConnections(io: CliIo, all: ConnectionListItem[]): void {
  printTable(
    io,
    ['ID', 'INSTANCE', 'CONNECTION', 'MODE', 'STATUS', 'ENTITIES', 'LAST SYNC', 'REMOTE'],
    all.map((c) => [
      c.id,
      c.instanceSlug,
      c.description ? `${c.name} (${c.description})` : c.name,
      c.mode,
      c.status,
      String(c.entitiesUnderSync),
      c.lastSync ? `${c.lastSync.entityKey} ${formatDate(c.lastSync.at)}` : '-',
      c.remoteUrl ?? (c.remoteIsPrivate ? '(private)' : '-'),
    ]),
  );
}
