// Writes the Teams app icons as PNGs with nothing but node:zlib: color.png (192x192, full colour) and outline.png
// (32x32, transparent with a white mark, as Teams requires). Run: node manifest/teams/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA PNG from pixel(x, y) -> [r, g, b, a]; every row uses filter 0 (none). */
function png(size, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The mark: a bridge (deck and arch) between two towers, in unit coordinates 0..1. */
function onBridge(u, v) {
  const deck = v > 0.6 && v < 0.68 && u > 0.12 && u < 0.88;
  const towers = (Math.abs(u - 0.27) < 0.035 || Math.abs(u - 0.73) < 0.035) && v > 0.28 && v < 0.8;
  const archY = 0.6 - 0.3 * (1 - ((u - 0.5) / 0.23) ** 2);
  const arch = u > 0.27 && u < 0.73 && Math.abs(v - archY) < 0.03;
  return deck || towers || arch;
}

const accent = [0x46, 0x4e, 0xb8, 255]; // the manifest's accentColor, #464EB8
const white = [255, 255, 255, 255];
const clear = [0, 0, 0, 0];

writeFileSync(
  join(here, 'color.png'),
  png(192, (x, y) => (onBridge((x + 0.5) / 192, (y + 0.5) / 192) ? white : accent)),
);
writeFileSync(
  join(here, 'outline.png'),
  png(32, (x, y) => (onBridge((x + 0.5) / 32, (y + 0.5) / 32) ? white : clear)),
);
console.log('wrote color.png (192x192) and outline.png (32x32)');
