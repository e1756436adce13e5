import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../../manifest/teams');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
  manifestVersion: string;
  icons: { color: string; outline: string };
  bots: { scopes: string[]; commandLists: { scopes: string[]; commands: { title: string }[] }[] }[];
  supportedChannelTypes: string[];
};

/** Width, height, colour type and the RGBA pixels of a PNG written with filter 0 rows (what make-icons.mjs writes). */
function readPng(file: string): { width: number; height: number; colorType: number; pixels: number[][] } {
  const bytes = readFileSync(join(dir, file));
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('ascii');
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: number[][] = [];
  if (colorType === 6) {
    for (let y = 0; y < height; y++) {
      const row = y * (width * 4 + 1);
      expect(raw[row]).toBe(0);
      for (let x = 0; x < width; x++) pixels.push([...raw.subarray(row + 1 + x * 4, row + 5 + x * 4)]);
    }
  }
  return { width, height, colorType, pixels };
}

describe('the Teams app manifest', () => {
  it('validates offline against the v1.30 schema bundled in @microsoft/app-manifest', async () => {
    const require = createRequire(import.meta.url);
    const schema = require(
      `@microsoft/app-manifest/build/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    expect(manifest.manifestVersion).toBe('1.30');
    expect(await AppManifestUtils.validateAgainstSchema(manifest as never, schema)).toEqual([]);
    // The check is real: a broken manifest fails it.
    expect(
      await AppManifestUtils.validateAgainstSchema({ ...manifest, accentColor: undefined } as never, schema),
    ).not.toEqual([]);
  });

  it('has a 192x192 colour icon and a 32x32 outline icon that is white on transparent', () => {
    const color = readPng(manifest.icons.color);
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = readPng(manifest.icons.outline);
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    const kinds = new Set(
      outline.pixels.map(([r, g, b, a]) =>
        a === 0 ? 'clear' : r === 255 && g === 255 && b === 255 && a === 255 ? 'white' : 'other',
      ),
    );
    expect(kinds).toEqual(new Set(['clear', 'white']));
  });

  it('lists every command the neutral dispatcher handles, and opts in to shared channels', () => {
    const dispatcher = readFileSync(join(import.meta.dirname, '../../../src/flows/command.ts'), 'utf8');
    const handled = [...dispatcher.matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]!);
    expect(handled).toEqual(
      expect.arrayContaining([
        'help',
        'setup',
        'connect',
        'accept',
        'list',
        'status',
        'subscribe',
        'unsubscribe',
        'admins',
      ]),
    );
    const bot = manifest.bots[0]!;
    const listed = new Set(bot.commandLists.flatMap((l) => l.commands.map((c) => c.title)));
    expect(handled.filter((c) => !listed.has(c))).toEqual([]);
    expect(bot.commandLists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(manifest.supportedChannelTypes).toContain('sharedChannels');
  });
});
