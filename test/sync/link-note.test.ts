import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { linkNoteBody } from '../../src/sync/link-note.ts';
import { capturedIo } from '../support/cli-io.ts';
import {
  rows,
  settle,
  startConnectedPair,
  stopSyncPair,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

/** Freshdesk's agent view of a ticket is `https://<domain>.freshdesk.com/a/tickets/<id>` (Freshworks app SDK docs). */
const FRESHWORKS_TICKET_PATH = /\/a\/tickets\/\d+$/;

describe('the first-sync link note: the new twin names the ticket it came from', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fs: Simulator;
  let fd: Simulator;
  let fsAgent: Helpdesk;
  let fdAgent: Helpdesk;
  let ids: { a: string; b: string };

  beforeAll(async () => {
    // linkNote: true leaves the connections as the product makes them (the column's default).
    const pair = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      { mode: 'basic', triggers: 'both', linkNote: true },
    );
    ({ a, b, aSim: fs, bSim: fd, aAgent: fsAgent, bAgent: fdAgent, ids } = pair);
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([a, b], [fs, fd]);
  });

  const cli = async (node: SyncNode, ...args: string[]) => {
    const c = capturedIo();
    const env = { DESKBRIDGE_DATA_DIR: node.dataDir, PUBLIC_URL: node.config.publicUrl, LOG_LEVEL: 'silent' };
    const code = await runCli(args, c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  async function twinOf(agent: Helpdesk, node: SyncNode, connectionId: string, remoteEntityId: string) {
    const [link] = rows<{ local_entity_id: string }>(
      node,
      'SELECT local_entity_id FROM twin_links WHERE connection_id = ? AND remote_entity_id = ?',
      connectionId,
      remoteEntityId,
    );
    expect(link, 'the twin link').toBeDefined();
    return agent.getEntity(link!.local_entity_id);
  }

  it('is on by default: one private note on the twin with the origin ticket URL, never sent back', async () => {
    expect(rows(a, 'SELECT link_note FROM connections WHERE id = ?', ids.a)).toEqual([{ link_note: 1 }]);
    expect(rows(b, 'SELECT link_note FROM connections WHERE id = ?', ids.b)).toEqual([{ link_note: 1 }]);

    const ticket = await fsAgent.createEntity({
      summary: 'Printer on floor 3 is jammed',
      description: '<div>Paper tray 2</div>',
      reporter: { id: null, email: 'sam@initech.example', displayName: 'Sam' },
    });
    await fsAgent.addComment(ticket.id, { body: 'Tried turning it off and on', internal: false });
    await settle([a, b], [fs, fd]);

    const originUrl = fsAgent.entityUrl(ticket.id);
    expect(originUrl).toMatch(FRESHWORKS_TICKET_PATH);
    const twin = await twinOf(fdAgent, b, ids.b, ticket.id);
    const notes = twin.comments.filter((c) => c.body.includes(originUrl));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ internal: true });
    expect(notes[0]!.body).toContain(`initech ticket <a href="${originUrl}">${ticket.key}</a>`);
    expect(twin.comments.map((c) => c.body)).toEqual([
      expect.stringContaining('Tried turning it off and on'),
      notes[0]!.body,
    ]);

    // The note stays on this side: the origin gets no copy, and later changes add no second note.
    await fsAgent.updateEntity(ticket.id, { summary: 'Printer on floor 3 is jammed (again)' });
    await fdAgent.addComment(twin.id, { body: 'Technician booked', internal: false });
    await settle([a, b], [fs, fd]);
    const origin = await fsAgent.getEntity(ticket.id);
    expect(origin.comments.map((c) => c.body)).toEqual([
      'Tried turning it off and on',
      expect.stringContaining('Technician booked'),
    ]);
    const after = await fdAgent.getEntity(twin.id);
    expect(after.summary).toBe('Printer on floor 3 is jammed (again)');
    expect(after.comments.filter((c) => c.body.includes(originUrl))).toHaveLength(1);
  });

  it('works the other way round too: a Freshdesk ticket is linked on its new Freshservice twin', async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'Laptop will not boot',
      description: '<div>Black screen</div>',
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
    await settle([a, b], [fs, fd]);
    const twin = await twinOf(fsAgent, a, ids.a, ticket.id);
    const originUrl = fdAgent.entityUrl(ticket.id);
    expect(twin.comments).toEqual([
      expect.objectContaining({ internal: true, body: expect.stringContaining(`acme ticket <a href="${originUrl}">`) }),
    ]);
  });

  it('is switched off per connection from the CLI: new twins get no note; a bad value changes nothing', async () => {
    const bad = await cli(b, 'connections', 'set', ids.b, '--link-note', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--link-note must be on or off.');
    expect(rows(b, 'SELECT link_note FROM connections WHERE id = ?', ids.b)).toEqual([{ link_note: 1 }]);

    const off = await cli(b, 'connections', 'set', ids.b, '--link-note', 'off');
    expect(off).toMatchObject({ code: 0, stderr: '' });
    expect(off.stdout).toContain('no link note');
    expect(rows(b, 'SELECT link_note FROM connections WHERE id = ?', ids.b)).toEqual([{ link_note: 0 }]);
    expect(
      rows(b, "SELECT actor, details FROM audit_log WHERE action = 'connection.link-note' AND subject_id = ?", ids.b),
    ).toEqual([{ actor: expect.stringMatching(/^cli:/), details: JSON.stringify({ from: true, to: false }) }]);

    const ticket = await fsAgent.createEntity({
      summary: 'Badge reader offline',
      description: '<div>Door 4</div>',
      reporter: { id: null, email: 'sam@initech.example', displayName: 'Sam' },
    });
    await settle([a, b], [fs, fd]);
    const twin = await twinOf(fdAgent, b, ids.b, ticket.id);
    expect(twin.summary).toBe('Badge reader offline');
    expect(twin.comments).toEqual([]);
  });
});

describe('linkNoteBody', () => {
  const origin = {
    remoteName: 'Ini<b>tech</b>',
    entityKey: '"><img src=x onerror=alert(1)>',
    url: 'https://initech.example/a/tickets/7?a=1&b=2',
  };

  it('escapes what the other side sent in a Freshworks (HTML) note', () => {
    expect(linkNoteBody('freshdesk', origin)).toBe(
      '<div>Synced with Ini&#60;b&#62;tech&#60;/b&#62; ticket <a href="https://initech.example/a/tickets/7?a=1&#38;b=2">' +
        '&#34;&#62;&#60;img src=x onerror=alert(1)&#62;</a> (https://initech.example/a/tickets/7?a=1&#38;b=2)</div>',
    );
  });

  it('writes plain text for a Xurrent note', () => {
    expect(linkNoteBody('xurrent', { ...origin, remoteName: 'Initech', entityKey: '7' })).toBe(
      'Synced with Initech ticket 7: https://initech.example/a/tickets/7?a=1&b=2',
    );
  });
});
